import {
  clientToServerKinds,
  decodeFrame,
  encodeMessage,
  Kind,
  serverToClientKinds,
  wrapReliable,
} from 'vehikill-net/protocol';
import type { Row } from '../results.js';

/** Encode and decode throughput of control messages, including validation. */
export function benchCodec(): Row[] {
  const join = { rid: 42, roomId: 'AbCdEfGhIj', options: { team: 'red', skin: 3 } };
  const chat = {
    roomId: 'AbCdEfGhIj',
    t: 'chat',
    d: { from: 'p_0123456789abcdef', text: 'gg, well played everyone' },
  };
  const joinFrame = wrapReliable(7, encodeMessage(Kind.JoinRoom, join));
  const chatFrame = wrapReliable(9, encodeMessage(Kind.ServerRoomMessage, chat));
  return [
    measure('encode JoinRoom (reliable)', () => wrapReliable(7, encodeMessage(Kind.JoinRoom, join))),
    measure('decode+validate JoinRoom', () => decodeFrame(joinFrame, clientToServerKinds)),
    measure('encode ServerRoomMessage chat', () =>
      wrapReliable(9, encodeMessage(Kind.ServerRoomMessage, chat)),
    ),
    measure('decode+validate ServerRoomMessage chat', () => decodeFrame(chatFrame, serverToClientKinds)),
  ].map(({ name, opsPerSecond }) => ({
    workload: 'control codec',
    system: 'vehikill-net',
    metric: name,
    value: Math.round(opsPerSecond),
    unit: 'ops/s',
  }));
}

function measure(name: string, run: () => unknown): { name: string; opsPerSecond: number } {
  for (let i = 0; i < 20_000; i++) run(); // warm up the JIT
  let best = 0;
  for (let round = 0; round < 5; round++) {
    const iterations = 100_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    best = Math.max(best, iterations / seconds);
  }
  return { name, opsPerSecond: best };
}
