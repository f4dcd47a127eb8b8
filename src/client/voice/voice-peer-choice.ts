/**
 * Which of `candidates` (the others we could hear) get an audio connection when at most `maxPeers` may.
 * A voice connection needs both ends, so the choice must be mutual: `a` picks `b` exactly when `b` picks
 * `a`. Each end decides alone, so it may use only what both know the same way: the ids (sorted, never the
 * order members arrived in) of everyone in the candidate set, itself included. With at most `maxPeers`
 * candidates every one is picked. Above that the ids sit on a ring in sorted order and each is paired with
 * its `maxPeers / 2` nearest on either side; for an odd `maxPeers` also with the one opposite (an even
 * count), or, on an odd ring, by a matching along the steps of half the ring that leaves one out (an odd
 * count of odd degrees cannot exist). So everyone gets `maxPeers`, but for an odd `maxPeers` in an odd-sized
 * set one player gets one fewer.
 *
 * Mutual whenever both ends pass the same candidate set: all members (no `audible`), or a group whose
 * members all hear each other and no one else (team voice). Returned in sorted order.
 */
export function chooseVoicePeers(selfId: string, candidates: readonly string[], maxPeers: number): string[] {
  const others = [...new Set(candidates)].filter((id) => id !== selfId).sort();
  const cap = Math.max(0, Math.floor(maxPeers));
  if (others.length <= cap) return others;
  const ring = [...others, selfId].sort();
  const n = ring.length;
  const self = ring.indexOf(selfId);
  const at = (step: number) => ring[(((self + step) % n) + n) % n] as string;
  const picked = new Set<string>();
  const half = Math.floor(cap / 2);
  for (let step = 1; step <= half; step++) {
    picked.add(at(step));
    picked.add(at(-step));
  }
  if (cap % 2 === 1) {
    if (n % 2 === 0) {
      picked.add(at(n / 2));
    } else {
      // Steps of m = (n - 1) / 2 visit the whole ring (m and n are coprime): position t on that walk is
      // t * m mod n. Pair walk positions 0-1, 2-3, ...: the last one, n - 1, is left out.
      const m = (n - 1) / 2;
      const t = (self * (n - 2)) % n; // m's inverse mod n is n - 2, since m * (n - 2) = 1 (mod n)
      if (t < n - 1) picked.add(at(t % 2 === 0 ? m : -m));
    }
  }
  return others.filter((id) => picked.has(id));
}
