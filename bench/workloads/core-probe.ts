/**
 * The fixed piece of JavaScript `core-speed.ts` times on a core: `node core-probe.js` prints
 * `{ "ms": <median> }`, the median ms of 15 runs after 5 untimed ones. Integer arithmetic and small
 * short-lived objects, as the message and snapshot paths are: a core that runs it slower runs those slower.
 */
function probe(): number {
  let sum = 0;
  const kept: { index: number; sum: number }[] = [];
  for (let index = 0; index < 2_000_000; index++) {
    sum = (sum * 31 + index) | 0;
    if ((index & 63) === 0) kept.push({ index, sum });
  }
  return sum + kept.length;
}

const RUNS = 15;
for (let warm = 0; warm < 5; warm++) probe();
const ms: number[] = [];
let check = 0;
for (let run = 0; run < RUNS; run++) {
  const started = performance.now();
  check ^= probe();
  ms.push(performance.now() - started);
}
ms.sort((a, b) => a - b);
// `check` is printed so that the work cannot be optimized away.
console.log(JSON.stringify({ ms: ms[RUNS >> 1], check }));
