/** Small runtime-neutral building blocks shared by server and client (no Node built-ins). */
export { type BackoffOptions, backoffDelay } from './backoff.js';
export { type Cancel, type Clock, every, ManualClock, realClock } from './clock.js';
export { type Disposer, Emitter } from './emitter.js';
export { Fifo } from './fifo.js';
export { LateTicks } from './late-ticks.js';
export { median } from './median.js';
export { TokenBucket } from './token-bucket.js';
