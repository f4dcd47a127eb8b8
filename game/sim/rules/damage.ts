import type { SimEvent } from '../events.js';
import type { Vehicle } from '../vehicle.js';
import { VEHICLE_RADIUS } from '../vehicle-constants.js';
import { removeVehicle, type World } from '../world.js';
import { damageStateOf } from './damage-state.js';
import { findPlayer, type MatchState, type Weapon } from './match-state.js';
import type { RuleEvent } from './rule-events.js';

/**
 * Takes `amount` (rounded to an integer) of the target's health. At 0 the target dies: its vehicle leaves
 * the world (so it neither collides nor can be hit until it respawns), it scores a death, and the attacker,
 * if still playing and not the target, scores the kill. Damage to a dead or unknown player does nothing.
 */
export function applyDamage(
  match: MatchState,
  world: World,
  targetId: number,
  attackerId: number,
  weapon: Weapon,
  amount: number,
  events: RuleEvent[],
): void {
  const target = findPlayer(match, targetId);
  const rounded = Math.round(amount);
  if (target === undefined || !target.alive || !(rounded > 0)) return;
  const lost = Math.min(rounded, target.health);
  target.health -= lost;
  target.damage = damageStateOf(target.health);
  events.push({
    type: 'damage',
    target: targetId,
    attacker: attackerId,
    weapon,
    amount: lost,
    health: target.health,
  });
  if (target.health > 0) return;

  target.alive = false;
  target.deaths++;
  target.gunCooldown = 0;
  target.rocketCooldown = 0;
  target.respawnTick = match.tick + match.config.respawnTicks;
  removeVehicle(world, targetId);
  const killer = attackerId === targetId ? undefined : findPlayer(match, attackerId);
  if (killer !== undefined) {
    killer.kills++;
    killer.score += match.config.killScore;
  }
  const feed = match.killFeed;
  feed.push({ tick: match.tick, killer: attackerId, victim: targetId, weapon });
  if (feed.length > match.config.killFeedLength) feed.splice(0, feed.length - match.config.killFeedLength);
  events.push({ type: 'kill', killer: attackerId, victim: targetId, weapon });
}

/**
 * Splash from a blast at (x, y): every vehicle but the owner and `spared` (the direct hit, already paid
 * for) whose hull is within the splash radius, the full splash damage at the hull falling linearly to 0
 * at the radius. Victims are collected before any damage so a kill (which removes a vehicle) cannot
 * change who else the blast reaches.
 */
function splash(
  match: MatchState,
  world: World,
  x: number,
  y: number,
  owner: number,
  spared: number,
  events: RuleEvent[],
): void {
  const { splashRadius, splashDamage } = match.config;
  if (!(splashRadius > 0) || splashDamage === 0) return;
  const victims: { id: number; damage: number }[] = [];
  for (const vehicle of world.vehicles as readonly Vehicle[]) {
    if (vehicle.id === owner || vehicle.id === spared) continue;
    const dx = vehicle.x - x;
    const dy = vehicle.y - y;
    const reach = Math.max(0, Math.sqrt(dx * dx + dy * dy) - VEHICLE_RADIUS);
    if (reach < splashRadius)
      victims.push({ id: vehicle.id, damage: splashDamage * (1 - reach / splashRadius) });
  }
  for (const victim of victims) applyDamage(match, world, victim.id, owner, 'rocket', victim.damage, events);
}

/**
 * Damage from what happened during the newest `stepWorld`, in the order the sim reported it: a rocket hit
 * (direct damage to the vehicle, splash to the others), a rocket exploding on a wall (splash), and
 * vehicle-vehicle contacts hard enough to hurt (each car pays for the impulse above the threshold; a car
 * wrecked by ramming is credited to the other). Rockets that expire in flight do nothing.
 */
export function applyWorldEvents(
  match: MatchState,
  world: World,
  simEvents: readonly SimEvent[],
  events: RuleEvent[],
): void {
  const config = match.config;
  for (const event of simEvents) {
    switch (event.type) {
      case 'rocket-hit':
        applyDamage(match, world, event.vehicle, event.owner, 'rocket', config.rocketDamage, events);
        splash(match, world, event.x, event.y, event.owner, event.vehicle, events);
        break;
      case 'rocket-exploded':
        splash(match, world, event.x, event.y, event.owner, -1, events);
        break;
      case 'vehicle-collision': {
        const damage = (event.impulse - config.ramImpulseThreshold) * config.ramDamagePerImpulse;
        if (damage <= 0) break;
        applyDamage(match, world, event.a, event.b, 'ram', damage, events);
        applyDamage(match, world, event.b, event.a, 'ram', damage, events);
        break;
      }
      default:
        break;
    }
  }
}
