/**
 * One system's sync in one long-running room, alone in this process:
 * `node steady.js <ours|float32|quantized> <hz> <seconds>` prints `{ "us": [...] }`, the writes + encode
 * per snapshot tick of each window of WINDOW_TICKS snapshot ticks after the first (the room's start,
 * with its full snapshots, is left out).
 *
 * The rounds of sync-cpu.ts and solo.ts replay 5 s into fresh systems: everything a round keeps is young
 * there. A server's rooms run for minutes, and what the collector costs them depends on what outlives its
 * young-generation passes; this measures that, with the arena's frames made as they are played (the
 * whole trace held would be tens of MB of old objects that no room has).
 */
import { checkOursRound, colyseusRound, type OursRound, oursRound, type ServerRound } from '../sync-cpu.js';
import { type ArenaFrame, arenaFrames, arenaTrace } from './arena.js';

/** Short rounds run and thrown away first, as in solo.ts: the code is compiled for the trace. */
const WARM_ROUNDS = 10;

const [system, hzText, secondsText] = process.argv.slice(2);
const hz = Number(hzText);
const seconds = Number(secondsText);
if (!['ours', 'float32', 'quantized'].includes(system ?? '') || !(hz > 0) || !(seconds >= 10)) {
  throw new Error('usage: steady.js <ours|float32|quantized> <hz> <seconds (10 or more)>');
}
const play = (trace: Iterable<ArenaFrame>, windows?: number[]): ServerRound =>
  system === 'ours'
    ? oursRound(trace, hz, true, undefined, windows)
    : colyseusRound(trace, hz, system as 'float32' | 'quantized', windows);
const warmTrace = arenaTrace(5, 7);
for (let warm = 0; warm < WARM_ROUNDS; warm++) play(warmTrace);
const windows: number[] = [];
const room = play({ [Symbol.iterator]: () => arenaFrames(seconds, 7) }, windows);
// Checked once the room was timed, as in solo.ts.
if (system === 'ours') checkOursRound(room as OursRound);
console.log(JSON.stringify({ us: windows.slice(1) }));
