import type { PickupKind } from './config.js';
import type { Weapon } from './match-state.js';

/*
 * What the rules decided during one `stepMatch`, in the order it happened: for the HUD, sounds and
 * effects, the kill feed and the server's messages. Positions are world units.
 */

/** A gun shot: a tracer from (fromX, fromY) to (toX, toY); `target` is the vehicle hit, or null. */
export interface ShotEvent {
  readonly type: 'shot';
  readonly shooter: number;
  readonly fromX: number;
  readonly fromY: number;
  readonly toX: number;
  readonly toY: number;
  readonly target: number | null;
}

export interface RocketFiredEvent {
  readonly type: 'rocket-fired';
  readonly shooter: number;
  /** The world's rocket id, as in the sim's rocket events. */
  readonly rocket: number;
}

/** `amount` is the health actually lost (never more than the target had); `health` what is left. */
export interface DamageEvent {
  readonly type: 'damage';
  readonly target: number;
  readonly attacker: number;
  readonly weapon: Weapon;
  readonly amount: number;
  readonly health: number;
}

export interface KillEvent {
  readonly type: 'kill';
  readonly killer: number;
  readonly victim: number;
  readonly weapon: Weapon;
}

export interface RespawnEvent {
  readonly type: 'respawn';
  readonly player: number;
  readonly x: number;
  readonly y: number;
}

export interface PickupTakenEvent {
  readonly type: 'pickup-taken';
  readonly pickup: number;
  readonly kind: PickupKind;
  readonly player: number;
}

export interface PickupRespawnedEvent {
  readonly type: 'pickup-respawned';
  readonly pickup: number;
}

export interface MatchStartedEvent {
  readonly type: 'match-started';
}

export interface MatchEndedEvent {
  readonly type: 'match-ended';
  readonly winners: readonly number[];
}

export type RuleEvent =
  | ShotEvent
  | RocketFiredEvent
  | DamageEvent
  | KillEvent
  | RespawnEvent
  | PickupTakenEvent
  | PickupRespawnedEvent
  | MatchStartedEvent
  | MatchEndedEvent;
