/**
 * vehikill-net/netcode: the latency-compensation toolkit, as pure building blocks. No I/O, no timers,
 * no Node built-ins, no DOM: every time is passed in (ms), and callers do the sending. Generic over the
 * game's state and input types; runs unchanged in Node and browsers; depends on `protocol` only.
 *
 * - Time: {@link ClockSync} (NTP-style server clock, slewed), {@link FixedStepLoop} (drift-free ticks,
 *   rate scaling, catch-up guard, hidden-tab idling).
 * - Inputs: {@link InputHistory} and {@link encodeInputPacket} on the client, {@link InputBuffer} on the
 *   server (per client, reports its margin), {@link TickRateController} steering the client to 1-2 ticks
 *   of margin.
 * - Own entity: {@link Predictor} (prediction + reconciliation) and {@link ErrorSmoother}.
 * - Remote entities: {@link InterpolationBuffer} per entity, {@link AdaptiveDelay} per connection.
 * - Server: {@link LagHistory} (hitscan rewind), {@link DesyncMonitor} with {@link fnv1a32}.
 */
export { AdaptiveDelay, type AdaptiveDelayOptions, DEFAULT_MAX_DELAY_INTERVALS } from './adaptive-delay.js';
export { ClockSync, type ClockSyncOptions } from './clock-sync.js';
export {
  type DesyncCheck,
  DesyncMonitor,
  type DesyncMonitorOptions,
  type DesyncRecord,
  type LoggedInput,
  parseDesync,
  serializeDesync,
} from './desync-monitor.js';
export { ErrorSmoother, type ErrorSmootherOptions, type SmoothingOutcome } from './error-smoother.js';
export { FixedStepLoop, type FixedStepLoopOptions } from './fixed-step-loop.js';
export { FNV1A32_OFFSET, fnv1a32, fnv1a32Bytes } from './fnv1a.js';
export { InputBuffer, type InputBufferOptions, type InputRejections } from './input-buffer.js';
export { InputHistory, type InputHistoryOptions } from './input-history.js';
export {
  decodeInputPacket,
  encodeInputPacket,
  type InputCodec,
  type InputPacket,
  MAX_INPUTS_PER_PACKET,
} from './input-packet.js';
export {
  type InterpolatedSample,
  InterpolationBuffer,
  type InterpolationBufferOptions,
} from './interpolation-buffer.js';
export {
  LagHistory,
  type LagHistoryOptions,
  type RewindRejection,
  type RewindResult,
  type ShotClaim,
} from './lag-history.js';
export { type Correction, Predictor, type PredictorOptions } from './predictor.js';
export {
  leadTicks,
  TickRateController,
  type TickRateControllerOptions,
} from './tick-rate-controller.js';
