/**
 * What building an object from another costs on this Node, by the way it is written:
 * `npm run build && node dist/bench/workloads/object-spread.js`. On Node 20 each property written after a
 * spread (`{ ...stats, members }`) costs about a microsecond, where `Object.assign` of the same objects
 * costs tens of nanoseconds: the reason the library's repeated paths (a room's stats read every tick, a
 * link's stats, SyncedState's change events) assign rather than spread, and docs/server.md's advice for
 * handlers that run for every message. Best of 5 rounds of 200,000 objects, 40 sources in turn.
 */

interface Counters {
  snapshotsSent: number;
  bytesSent: number;
  deflateChosen: number;
  deflateNotChosen: number;
}

const ROUNDS = 5;
const OBJECTS = 200_000;
const sources: Counters[] = Array.from({ length: 40 }, () => ({
  snapshotsSent: 0,
  bytesSent: 0,
  deflateChosen: 0,
  deflateNotChosen: 0,
}));

/** Best µs per object made by `make` from a source that changes between calls, as a live counter does. */
function bestUs(make: (source: Counters) => Counters): number {
  let best = Number.POSITIVE_INFINITY;
  let kept = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    for (let index = 0; index < OBJECTS; index++) {
      const source = sources[index % sources.length] as Counters;
      source.snapshotsSent++;
      source.bytesSent += 37.5;
      kept += make(source).snapshotsSent;
    }
    best = Math.min(best, ((performance.now() - started) * 1_000) / OBJECTS);
  }
  // Read, so that the objects are not optimized away.
  if (kept < 0) console.log(kept);
  return best;
}

const ways: [string, (source: Counters) => Counters][] = [
  ['{ ...source }', (source) => ({ ...source })],
  ['{ ...source, a }', (source) => ({ ...source, a: 1 })],
  ['{ ...source, a, b, c }', (source) => ({ ...source, a: 1, b: 2, c: 3 })],
  ['Object.assign({}, source, { a, b, c })', (source) => Object.assign({}, source, { a: 1, b: 2, c: 3 })],
  ['{ a, b, c, ...source }', (source) => ({ a: 1, b: 2, c: 3, ...source })],
];
console.log(`Node ${process.version}: best µs per object of ${ROUNDS} rounds of ${OBJECTS}`);
for (const [way, make] of ways) console.log(`${way.padEnd(40)} ${bestUs(make).toFixed(3)}`);
