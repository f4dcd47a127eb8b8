import { TICK_RATE } from '../../sim/index.js';

/**
 * The server's tick timeline: the world after k ticks is the state at server time k * TICK_MS. Players
 * sync their clocks to it (clock probes carry times on it) and draw remote vehicles at a time on it.
 */
export const TICK_MS = 1000 / TICK_RATE;
