import { Emitter } from '../../src/common/index.js';
import type { RtcSignal, RtcSignaling } from '../../src/transport/index.js';

/** Two ends of an in-process signaling path; delivery is asynchronous, as over a real server. */
export function memorySignalingPair(): [RtcSignaling, RtcSignaling] {
  const toA = new Emitter<{ signal: RtcSignal }>();
  const toB = new Emitter<{ signal: RtcSignal }>();
  const end = (
    inbox: Emitter<{ signal: RtcSignal }>,
    outbox: Emitter<{ signal: RtcSignal }>,
  ): RtcSignaling => ({
    send: (signal) => setImmediate(() => outbox.emit('signal', structuredClone(signal))),
    onSignal: (listener) => inbox.on('signal', listener),
  });
  return [end(toA, toB), end(toB, toA)];
}
