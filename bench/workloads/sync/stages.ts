/**
 * Where our sync rounds' time goes, stage by stage: `node dist/bench/workloads/sync/stages.js [hz] [rounds]`
 * (default 60 Hz, 20 rounds after 10 untimed; `SYNC_CPU_CLIENTS` as for sync-cpu.ts) prints the medians per
 * snapshot tick of: the state writes, the acks taken in, the frame taken from the table (its entities
 * quantized), the first client's encode (which builds the shared body: what changed since the clients'
 * frame, written once) and the other clients' encodes (each a copy of that body, patched). The first two
 * encode stages are the work done once per world, the last one and the acks the work done per client.
 * Pinned to the faster core at the start, as sync-cpu.ts is.
 */
import { coreSpeeds, pinProcess } from '../core-speed.js';
import { oursRound, type RoundStages } from '../sync-cpu.js';
import { arenaTrace, SIM_HZ } from './arena.js';
import { median } from './rng.js';

const WARM_ROUNDS = 10;

const [hzText = '60', roundsText = '20'] = process.argv.slice(2);
const hz = Number(hzText);
const rounds = Number(roundsText);
if (!(hz > 0 && Number.isInteger(SIM_HZ / hz)) || !(rounds > 0)) {
  throw new Error(`usage: stages.js [hz dividing ${SIM_HZ}] [rounds]`);
}
const speeds = coreSpeeds();
if (speeds.length > 0) pinProcess(speeds.reduce((best, speed) => (speed.ms < best.ms ? speed : best)).core);
const trace = arenaTrace(5, 7);
for (let warm = 0; warm < WARM_ROUNDS; warm++) oursRound(trace, hz);
const perTick = new Map<string, number[]>();
const add = (stage: string, us: number) => perTick.set(stage, [...(perTick.get(stage) ?? []), us]);
for (let round = 0; round < rounds; round++) {
  const stages: RoundStages = { acks: 0, frame: 0, firstEncode: 0, otherEncodes: 0 };
  const played = oursRound(trace, hz, true, undefined, undefined, stages);
  // The stages add up to the round's encode time: each is its share of the encode per snapshot tick.
  const total = stages.acks + stages.frame + stages.firstEncode + stages.otherEncodes;
  const perSnapshotTick = (ms: number) => (played.encodeUs * ms) / total;
  add('state writes', played.writeUs);
  add('acks taken in', perSnapshotTick(stages.acks));
  add('frame taken (quantizing)', perSnapshotTick(stages.frame));
  add('first client encode (builds the shared body)', perSnapshotTick(stages.firstEncode));
  add("the other clients' encodes", perSnapshotTick(stages.otherEncodes));
  add('writes + encode', played.writeUs + played.encodeUs);
}
const probes = speeds.map(({ core, ms }) => `core ${core} ${ms.toFixed(2)} ms`).join(', ');
console.log(`${hz} Hz, µs per snapshot tick, medians of ${rounds} rounds (probe: ${probes || 'none'})`);
for (const [stage, values] of perTick) console.log(`${stage.padEnd(46)} ${median(values).toFixed(1)}`);
