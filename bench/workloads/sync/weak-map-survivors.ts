/**
 * What a long-lived WeakMap keyed by short-lived objects costs V8's young-generation collector:
 * `node [--trace-gc-nvp] dist/bench/workloads/sync/weak-map-survivors.js <weak-map|on-key>` gives 200,000
 * young keys a value each and drops them (ten kept alive at a time), the value either in a WeakMap made old
 * first or on the key itself, and prints the scavenges' count and total pause. With `--trace-gc-nvp`,
 * `new_space_survived` shows why: the values in the old WeakMap survive every scavenge until a full
 * collection, their keys dead or not. The sync encoder's frame history and encoding cache were such maps.
 */
import { PerformanceObserver } from 'node:perf_hooks';

const KEYS = 200_000;
const LIVE_KEYS = 10;

const where = process.argv[2];
if (where !== 'weak-map' && where !== 'on-key')
  throw new Error('usage: weak-map-survivors.js <weak-map|on-key>');

let scavenges = 0;
let pauseMs = 0;
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    // kind 1: a minor (young-generation) collection.
    if ((entry as { detail?: { kind?: number } }).detail?.kind !== 1) continue;
    scavenges++;
    pauseMs += entry.duration;
  }
});

const values = new WeakMap<object, number[]>();
// Made old: it lives through enough young-generation passes to be promoted, as a long-lived cache is.
for (let round = 0; round < 50; round++) Array.from({ length: 20_000 }, (_, index) => ({ index }));
observer.observe({ entryTypes: ['gc'] });
const live: { index: number; value?: number[] }[] = [];
for (let index = 0; index < KEYS; index++) {
  const key: { index: number; value?: number[] } = { index };
  const value = new Array<number>(20).fill(index);
  if (where === 'weak-map') values.set(key, value);
  else key.value = value;
  live.push(key);
  if (live.length > LIVE_KEYS) live.shift();
}
await new Promise((resolve) => setTimeout(resolve, 50));
observer.disconnect();
console.log(JSON.stringify({ where, scavenges, pauseMs: Math.round(pauseMs * 10) / 10 }));
