/*
 * What happened during a step, for the rules layer (damage, kills, sounds) to consume. `stepWorld`
 * clears the list at its start, so the events are those of the newest step only. Positions are world
 * units; impulses are mass x u/s with vehicle mass 1, i.e. the velocity change the contact caused.
 */

/** Two vehicles touched while approaching each other; `a < b`. */
export interface VehicleCollisionEvent {
  readonly type: 'vehicle-collision';
  readonly a: number;
  readonly b: number;
  readonly impulse: number;
  readonly x: number;
  readonly y: number;
}

/** A vehicle hit the arena's boundary wall or an obstacle. */
export interface WallCollisionEvent {
  readonly type: 'wall-collision';
  readonly vehicle: number;
  readonly impulse: number;
  readonly x: number;
  readonly y: number;
}

/** A rocket reached a vehicle other than its owner; it is gone. */
export interface RocketHitEvent {
  readonly type: 'rocket-hit';
  readonly rocket: number;
  readonly owner: number;
  readonly vehicle: number;
  readonly x: number;
  readonly y: number;
}

/** A rocket hit a wall or obstacle and exploded there; it is gone. */
export interface RocketExplodedEvent {
  readonly type: 'rocket-exploded';
  readonly rocket: number;
  readonly owner: number;
  readonly x: number;
  readonly y: number;
}

/** A rocket's time to live ran out in flight; it is gone. */
export interface RocketExpiredEvent {
  readonly type: 'rocket-expired';
  readonly rocket: number;
  readonly owner: number;
  readonly x: number;
  readonly y: number;
}

export type SimEvent =
  | VehicleCollisionEvent
  | WallCollisionEvent
  | RocketHitEvent
  | RocketExplodedEvent
  | RocketExpiredEvent;
