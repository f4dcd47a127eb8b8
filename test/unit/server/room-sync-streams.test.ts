import { ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import { decodeSyncFrame, entity, epochOf, int, membershipOf, snapshotStream } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

function player(name: string, membership: number): RoomClient {
  return { playerId: name, userId: name, name, away: false, rttMs: 0, membership } as unknown as RoomClient;
}

describe('RoomSync: the stream its snapshots name', () => {
  it("each member's snapshots name its membership, and each new RoomSync of a room the next epoch", () => {
    const clock = new ManualClock();
    const ada = player('ada', 7);
    const bob = player('bob', 200);
    const room = { clients: [ada, bob], clock };
    const sent = new Map<RoomClient, Uint8Array[]>();
    const send = (client: RoomClient, bytes: Uint8Array) =>
      sent.set(client, [...(sent.get(client) ?? []), bytes]);
    const sync = new RoomSync(room, { types: [Dot], send });
    sync.world.spawn(Dot, { x: 1 });
    sync.flush(1);
    /** The stream the newest snapshot to `client` names (what `send` gets is framed: a tag first). */
    const payload = (bytes: Uint8Array | undefined) => {
      const frame = decodeSyncFrame(bytes as Uint8Array);
      if (frame.kind !== 'snapshot') throw new Error('expected a snapshot');
      return frame.payload;
    };
    const streamOf = (client: RoomClient) => snapshotStream(payload(sent.get(client)?.at(-1)));
    expect(membershipOf(streamOf(ada))).toBe(7);
    expect(membershipOf(streamOf(bob))).toBe(200);
    const epoch = epochOf(streamOf(ada));
    expect(epochOf(streamOf(bob))).toBe(epoch);
    // A new round: the room replaces its RoomSync.
    const next = new RoomSync(room, { types: [Dot], send });
    next.flush(1_000);
    expect(epochOf(streamOf(ada))).toBe((epoch + 1) % 256);
    expect(membershipOf(streamOf(ada))).toBe(7);
    // Another room's RoomSync counts its own epochs.
    const other = { clients: [ada], clock: new ManualClock() };
    const elsewhere: Uint8Array[] = [];
    new RoomSync(other, { types: [Dot], send: (_client, bytes) => elsewhere.push(bytes) }).flush(0);
    expect(epochOf(snapshotStream(payload(elsewhere[0])))).toBe(0);
    expect(sync.stats().members).toBe(2);
  });

  it('takes a first seq from a random outside [0, 1) rather than throwing from every flush', () => {
    for (const drawn of [-0.5, 1, 7, Number.NaN, Number.POSITIVE_INFINITY]) {
      const ada = player('ada', 1);
      const sent: Uint8Array[] = [];
      const sync = new RoomSync(
        { clients: [ada], clock: new ManualClock() },
        { types: [Dot], random: () => drawn, send: (_client, bytes) => sent.push(bytes) },
      );
      sync.world.spawn(Dot, { x: 1 });
      expect(sync.flush(1), String(drawn)).toEqual([ada]);
      const frame = decodeSyncFrame(sent[0] as Uint8Array);
      if (frame.kind !== 'snapshot') throw new Error('expected a snapshot');
      // The seq is the first 16 bits: one of 0..65,535 whatever was drawn.
      const seq = (frame.payload[0] as number) | ((frame.payload[1] as number) << 8);
      expect(seq).toBe(drawn >= 1 ? 65_535 : 0);
    }
  });
});
