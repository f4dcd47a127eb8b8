/**
 * The Vehikill simulation, shared by the server (authority) and clients (prediction and replay): pure,
 * deterministic (the same inputs give bit-identical state in every JS engine), stepped at a fixed tick.
 * Imports only vehikill-net/sync and vehikill-net/protocol; no Node built-ins, no DOM.
 */
export {
  type Arena,
  type BoxObstacle,
  type CircleObstacle,
  DEFAULT_ARENA,
  defineArena,
  MAX_ARENA_SIZE,
  type SpawnPoint,
  spawnIsClear,
} from './arena.js';
export {
  VEHICLE_FRICTION,
  VEHICLE_RESTITUTION,
  WALL_FRICTION,
  WALL_RESTITUTION,
} from './collision.js';
export {
  DETERMINISM_SCRIPT_SEED,
  DETERMINISM_SCRIPT_TICKS,
  DETERMINISM_SCRIPT_VEHICLES,
  GAME_DETERMINISM_MATCH,
  runDeterminismScript,
  runGameDeterminismScript,
} from './determinism-script.js';
export type {
  RocketExpiredEvent,
  RocketExplodedEvent,
  RocketHitEvent,
  SimEvent,
  VehicleCollisionEvent,
  WallCollisionEvent,
} from './events.js';
export { hashWorld } from './hash.js';
export {
  INPUT_BITS,
  NEUTRAL_INPUT,
  quantizeInput,
  quantizeSteer,
  quantizeThrottle,
  readInput,
  STEER_STEPS,
  type VehicleInput,
  writeInput,
} from './input.js';
export {
  fireRocket,
  ROCKET_RADIUS,
  ROCKET_SPAWN_DISTANCE,
  ROCKET_SPEED,
  ROCKET_TTL_TICKS,
  type Rocket,
} from './projectile.js';
export { type Point, raycastVehicles, raycastWalls, type VehicleRayHit } from './raycast.js';
export * from './rules/index.js';
export {
  MAX_ROCKET_TTL,
  MAX_VEHICLE_ID,
  RocketEntity,
  type RocketState,
  VehicleEntity,
  type VehicleState,
} from './schema.js';
export { ScriptedDriving } from './scripted-driving.js';
export { type StepOptions, stepWorld } from './step.js';
export { TICK_DT, TICK_RATE } from './time.js';
export { atan2, cos, sin } from './trig.js';
export type { Vehicle } from './vehicle.js';
export * from './vehicle-constants.js';
export { type Disc, type Motion, nearestInBoth, vehicleReach } from './vehicle-reach.js';
export {
  addVehicle,
  type CreateWorldOptions,
  cloneWorld,
  copyWorldInto,
  createWorld,
  findVehicle,
  removeVehicle,
  type World,
} from './world.js';
