import type { RoomClient } from 'vehikill-net/server';

/** A room member as RoomSync sees one, made by hand: named `name`, present, with `fields` (a link, a membership) on top. */
export function syncMember(name: string, fields: Readonly<Record<string, unknown>> = {}): RoomClient {
  return { playerId: name, userId: name, name, away: false, rttMs: 0, ...fields } as unknown as RoomClient;
}
