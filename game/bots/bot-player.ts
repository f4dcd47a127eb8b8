import type { Client, MeshOptions } from 'vehikill-net/client';
import { GameSession, type SessionView } from '../client/game-session.js';
import type { VehicleInput } from '../sim/index.js';
import { BotBrain, type BrainOptions } from './brain.js';

/** What a bot's brain sees: its GameSession's view (its own prediction, what it drew, the synced HUD). */
export function brainInput(brain: BotBrain, view: SessionView): VehicleInput {
  return brain.input({
    tick: view.tick,
    playing: view.playing,
    own: view.alive === false ? undefined : view.own,
    health: view.me?.health ?? 0,
    gunAmmo: view.me?.gunAmmo ?? 0,
    rocketAmmo: view.me?.rocketAmmo ?? 0,
    // The server's verdict on each car (synced), so these bots pass over parked cars as the room's do.
    others: view.others.map((other) => ({
      x: other.state.x,
      y: other.state.y,
      idle: view.parked(other.vehicleId),
    })),
    pickups: view.pickups,
  });
}

export interface BotPlayerOptions {
  readonly client: Client;
  readonly seed: number;
  readonly mesh?: MeshOptions;
  readonly brain?: BrainOptions;
}

/** A headless player: a GameSession driven by a BotBrain. */
export function botPlayer(options: BotPlayerOptions): GameSession {
  const brain = new BotBrain(options.seed, options.brain);
  return new GameSession({
    client: options.client,
    ...(options.mesh ? { mesh: options.mesh } : {}),
    sampleInput: (view) => brainInput(brain, view),
  });
}

/**
 * Drives sessions from one timer, as a page's animation frames would: each turn runs their due ticks
 * and draws a frame (which the brains aim by). Returns a stop function.
 */
export function drive(sessions: readonly GameSession[], frameMs = 1000 / 60): () => void {
  const timer = setInterval(() => {
    const now = performance.now();
    for (const session of sessions) {
      session.update(now);
      session.frame(now);
    }
  }, frameMs);
  return () => clearInterval(timer);
}
