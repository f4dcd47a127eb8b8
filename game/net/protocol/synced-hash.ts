import { fnv1a32 } from 'vehikill-net/netcode';
import type { EntityCodes } from 'vehikill-net/sync';

/**
 * The hash of a synced state for desync checks: every entity's id and integer codes, in id order. The
 * server hashes its entity table at a tick, a player the entities it decoded from that tick's complete
 * snapshot; they agree exactly when the player holds what the server sent.
 */
export function hashSyncedEntities(entities: Iterable<readonly [number, EntityCodes]>): number {
  const sorted = [...entities].sort((a, b) => a[0] - b[0]);
  const words: number[] = [sorted.length];
  for (const [id, codes] of sorted) {
    words.push(id, codes.length);
    for (const code of codes) {
      if (typeof code !== 'number') throw new TypeError(`entity ${id}: only integer codes are hashed`);
      words.push(code);
    }
  }
  return fnv1a32(words);
}
