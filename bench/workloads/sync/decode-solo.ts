/**
 * One system's client decode alone in this process:
 * `node decode-solo.js <ours|float32|quantized> <hz> <passes>` prints `{ "us": [...] }`, the µs per
 * snapshot of each timed pass over client 0's stream of one round (ours: with its resent snapshots).
 *
 * A client decodes in a process of its own, with one decoder's types. sync-cpu.ts also times the decodes in
 * the process that ran every system's rounds, where the heap holds those rounds, one system's garbage may
 * be collected in another's timing, and Colyseus's decoder has met both variants' classes; this process
 * holds one system's stream only.
 */
import { colyseusDecodeUs, colyseusRound, oursDecodeUs, oursRound } from '../sync-cpu.js';
import { arenaTrace } from './arena.js';

const [system, hzText, passesText] = process.argv.slice(2);
const hz = Number(hzText);
const passes = Number(passesText);
if (!['ours', 'float32', 'quantized'].includes(system ?? '') || !(hz > 0) || !(passes > 0)) {
  throw new Error('usage: decode-solo.js <ours|float32|quantized> <hz> <passes>');
}
const trace = arenaTrace(5, 7);
const pass =
  system === 'ours'
    ? (() => {
        const round = oursRound(trace, hz);
        return () => oursDecodeUs(round.received, round.resent);
      })()
    : (() => {
        const variant = system as 'float32' | 'quantized';
        const round = colyseusRound(trace, hz, variant);
        return () => colyseusDecodeUs(round.received, variant);
      })();
// As many untimed passes first: the decoder's code is compiled for the stream, as in a client that has
// been playing a while, and the round's garbage is collected before the timing.
for (let warm = 0; warm < passes; warm++) pass();
console.log(JSON.stringify({ us: Array.from({ length: passes }, pass) }));
