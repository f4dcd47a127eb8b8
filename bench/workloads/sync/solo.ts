/**
 * One system's sync rounds alone in this process: `node solo.js <ours|float32|quantized> <hz> <rounds>`
 * prints `{ "us": [...] }`, each round's writes + encode per snapshot tick (µs). sync-cpu.ts runs it once per
 * system in turn, as a check on its own rounds, which run the three systems in one process: there, the
 * garbage one system leaves may be collected inside the next one's timing.
 */
import { checkOursRound, colyseusRound, type OursRound, oursRound, type ServerRound } from '../sync-cpu.js';
import { arenaTrace } from './arena.js';

/** Rounds run and thrown away first: the code is compiled for the trace, as in a server playing a while. */
const WARM_ROUNDS = 10;

const [system, hzText, roundsText] = process.argv.slice(2);
const hz = Number(hzText);
const rounds = Number(roundsText);
if (!['ours', 'float32', 'quantized'].includes(system ?? '') || !(hz > 0) || !(rounds > 0)) {
  throw new Error('usage: solo.js <ours|float32|quantized> <hz> <rounds>');
}
const trace = arenaTrace(5, 7);
const round = (): ServerRound =>
  system === 'ours' ? oursRound(trace, hz) : colyseusRound(trace, hz, system as 'float32' | 'quantized');
for (let warm = 0; warm < WARM_ROUNDS; warm++) round();
const us: number[] = [];
const played: ServerRound[] = [];
for (let r = 0; r < rounds; r++) {
  const result = round();
  us.push(result.encodeUs + result.writeUs);
  played.push(result);
}
// Checked once every round was timed: a decoder among the rounds would be collected in their timing.
if (system === 'ours') for (const result of played) checkOursRound(result as OursRound);
console.log(JSON.stringify({ us }));
