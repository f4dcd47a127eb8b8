import { type Client, type SyncedChange, SyncedState } from 'vehikill-net/client';
import type { ProtocolError } from 'vehikill-net/protocol';
import type { AnyEntityType } from 'vehikill-net/sync';
import { expect } from 'vitest';
import { eventually, type TestServer } from './server.js';

/** A member of a synced room as a page holds it: its client, its `SyncedState`, what that said. */
export interface SyncedMember<Types extends readonly AnyEntityType[]> {
  readonly client: Client;
  readonly state: SyncedState<Types>;
  /** Every `change` event, in order. */
  readonly changes: SyncedChange[];
  /** Every `error` event, in order. */
  readonly errors: ProtocolError[];
  /** The room it created or joined. */
  readonly roomId: string;
  close(): void;
}

/**
 * A client (TCP mode) with a `SyncedState` of `types`, recording its changes and errors, that creates a
 * room of `roomType`, or joins `roomId` when given.
 */
export async function syncedMember<const Types extends readonly AnyEntityType[]>(
  server: TestServer,
  types: Types,
  room: { readonly create: string } | { readonly join: string },
  name = 'member',
): Promise<SyncedMember<Types>> {
  const client = server.client({ serverLink: 'off', name });
  await client.connect();
  const state = new SyncedState(client.serverLink, { types });
  const changes: SyncedChange[] = [];
  state.on('change', (change) => changes.push(change));
  const errors: ProtocolError[] = [];
  state.on('error', (error) => errors.push(error));
  const { roomId } = 'create' in room ? await client.create(room.create) : await client.join(room.join);
  return {
    client,
    state,
    changes,
    errors,
    roomId,
    close() {
      state.dispose();
      client.close();
    },
  };
}

/**
 * Joins `roomId` with a page whose types are `types` (not the room's: another build's) and expects it told
 * `SYNC_TYPES_MISMATCH` once, holding nothing.
 */
export async function expectTypesRefused(
  server: TestServer,
  roomId: string,
  types: readonly AnyEntityType[],
): Promise<void> {
  const stale = await syncedMember(server, types, { join: roomId }, 'stale');
  await eventually(() => stale.errors.length > 0, 'the stale member was told');
  expect(stale.errors.map((error) => error.code)).toEqual(['SYNC_TYPES_MISMATCH']);
  expect(stale.state.size).toBe(0);
  stale.close();
}
