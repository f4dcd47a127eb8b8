/** The car of the CCU scenario as a vehikill-net entity: the fields of `Car`, quantized for the wire. */
import { angle, entity, float } from 'vehikill-net/sync';
import { ARENA_HALF } from './scenario.js';

export const CarEntity = entity('car', {
  x: float({ min: -ARENA_HALF, max: ARENA_HALF, precision: 0.01 }), // 17 bits
  y: float({ min: -ARENA_HALF, max: ARENA_HALF, precision: 0.01 }),
  angle: angle({ bits: 12 }), // 0.09°
  vx: float({ min: -32, max: 32, precision: 0.01 }), // 13 bits
  vy: float({ min: -32, max: 32, precision: 0.01 }),
});
