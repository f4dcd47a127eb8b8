/**
 * What an ack costs at both ends, one process, hot caches: `npm run build && node
 * dist/bench/workloads/sync/ack-path.js [calls per round]`.
 *
 * - client: `encodeAckFrame` of an input with its ack (every input a client sends);
 * - server: `RoomSync.receive` of inputs whose ack differs from the one before (two inputs in three at
 *   20 Hz snapshots and 30 Hz inputs), 16 members, each cycling through 64 frames.
 *
 * Five rounds each; the median is printed. A tool for comparing builds, not part of `npm run bench`.
 */
import { RoomSync, realClock } from 'vehikill-net/server';
import { encodeAckFrame, entity, float } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';

const calls = Number(process.argv[2] ?? 2_000_000);
const input = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

function medianNs(run: () => number): number {
  const rounds: number[] = [];
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    sink += run();
    rounds.push(((performance.now() - started) * 1e6) / calls);
  }
  if (sink === 0) throw new Error('nothing measured');
  return rounds.sort((a, b) => a - b)[2] as number;
}

const encodeNs = medianNs(() => {
  let bytes = 0;
  for (let i = 0; i < calls; i++) {
    bytes += encodeAckFrame({ newest: i & 0xffff, previous: 0xfffffffe, resync: false }, input).length;
  }
  return bytes;
});

const Car = entity('car', { x: float({ min: 0, max: 100, precision: 0.01 }) });
const link = { send: () => true, sendTagged: () => true };
const members = Array.from({ length: 16 }, () => ({ away: false, link }));
const sync = new RoomSync({ clients: members, clock: realClock }, { types: [Car] });
const frames = members.map(() =>
  Array.from({ length: 64 }, (_, i) =>
    encodeAckFrame({ newest: i, previous: 0xfffffffe, resync: false }, input),
  ),
);
const receiveNs = medianNs(() => {
  let bytes = 0;
  for (let i = 0; i < calls; i++) {
    const member = i & 15;
    const frame = (frames[member] as Uint8Array[])[(i >> 4) & 63] as Uint8Array;
    bytes += sync.receive(members[member] as (typeof members)[number], Channel.phys, frame)?.length ?? 0;
  }
  return bytes;
});

console.log(`client: encodeAckFrame of an input, ${encodeNs.toFixed(1)} ns`);
console.log(`server: RoomSync.receive of an input with a new ack, ${receiveNs.toFixed(1)} ns`);
