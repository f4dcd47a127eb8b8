/** Simulation ticks per second: one `stepWorld` call advances the world by `TICK_DT` seconds. */
export const TICK_RATE = 60;

/** Seconds per tick. 1/60 is not a binary fraction, but every engine rounds it to the same double. */
export const TICK_DT = 1 / TICK_RATE;
