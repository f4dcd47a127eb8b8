/**
 * What the tests of the snapshot decoder written from docs/sync.md (test/support/foreign-snapshots.ts) do
 * with it as a client would: feed it the snapshots the foreign client received and ack them, and read its
 * world.
 */
import { type ForeignClient, K } from './foreign-client.js';
import { ackMessage, type ForeignSnapshotDecoder, type Outcome, snapshotsIn } from './foreign-snapshots.js';

/** Entities by id: their type's name and state. */
export type World = Map<number, { type: string; state: Record<string, unknown> }>;

/** Bytes from hex, as the document prints its golden frames. */
export const hex = (text: string) => Uint8Array.from(text.match(/../g)!, (byte) => Number.parseInt(byte, 16));

/** The foreign decoder's world, in the shape of a room's history. */
export function foreignWorld(decoder: ForeignSnapshotDecoder): World {
  const world: World = new Map();
  for (const [id, entity] of decoder.entities)
    world.set(id, { type: decoder.types[entity.type]!.name, state: decoder.stateOf(id)! });
  return world;
}

/**
 * Feeds every snapshot the client received since the last call to the decoder, acking after each one
 * applied, filled or refused (TCP mode: "DatagramFromServer" frames on channel 0, phys). `tamper` may
 * damage a snapshot's bytes before it is decoded; `drop` may lose a whole message, as a datagram is lost.
 */
export function pump(
  client: ForeignClient,
  decoder: ForeignSnapshotDecoder,
  seen: { at: number },
  onOutcome: (outcome: Outcome, bytes: Uint8Array) => void,
  tamper?: (bytes: Uint8Array) => Uint8Array,
  drop?: () => boolean,
): void {
  for (; seen.at < client.frames.length; seen.at++) {
    const frame = client.frames[seen.at]!;
    if (frame.kind !== K.DatagramFromServer || frame.body.c !== 0) continue;
    const found = snapshotsIn(frame.body.p as Uint8Array);
    if (!found || drop?.()) continue;
    const list = found.resent ? [found.resent, found.snapshot] : [found.snapshot];
    for (const [index, original] of list.entries()) {
      const bytes = tamper ? tamper(original) : original;
      // A chain's first snapshot is one sent again: it may fill a gap the newest applied left behind.
      const outcome = found.resent && index === 0 ? decoder.decodeResent(bytes) : decoder.decode(bytes);
      onOutcome(outcome, bytes);
      // A types mismatch is told with its own frame, not a resync request ("which cannot help").
      const acks = outcome.kind !== 'resync' || outcome.why !== 'typesDiffer';
      if ((outcome.kind === 'applied' || outcome.kind === 'filled' || outcome.kind === 'resync') && acks)
        client.sendBare(K.DatagramToServer, { c: 0, p: [ackMessage(decoder.ack())] });
    }
  }
}

/** Waits (20 s at most) for `done`, checked whenever the client receives a frame. */
export async function until(client: ForeignClient, what: string, done: () => boolean): Promise<void> {
  await client.waitFor(done, what, 0, 20_000);
}

/** The outcome of the first snapshot the client receives from now on (decoded and acked). */
export async function firstSnapshot(
  client: ForeignClient,
  decoder: ForeignSnapshotDecoder,
): Promise<Outcome> {
  let first: Outcome | undefined;
  const seen = { at: 0 };
  await until(client, 'a first snapshot', () => {
    pump(client, decoder, seen, (outcome) => {
      first ??= outcome;
    });
    return first !== undefined;
  });
  return first as Outcome;
}
