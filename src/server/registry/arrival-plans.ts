import type { Clock } from '../../common/index.js';
import { type Arrival, type Arrivals, type ArrivedSessions, arrivalPlanTtl } from './registry.js';

/**
 * The in-memory registry's drain plans (see `Registry.planArrivals`): each draining node's latest plan,
 * until it expires, and a version that every written plan moves on; and by node, the newest batch of
 * arrivals it applied (see `Registry.heartbeat`).
 */
export class ArrivalPlans {
  readonly #clock: Clock;
  readonly #plans = new Map<string, { plan: Map<string, Arrival>; expiresAt: number }>();
  readonly #batches = new Map<string, { bootId: string; batch: number }>();
  #version = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  read(from: string): Arrivals {
    const now = this.#clock.now();
    const byNode = new Map<string, Arrival>();
    for (const [drain, { plan, expiresAt }] of [...this.#plans]) {
      // Expired ones go as they are met, so that plans of drains long over cannot pile up.
      if (expiresAt <= now) this.#plans.delete(drain);
      else if (drain !== from) for (const [nodeId, arrival] of plan) addArrival(byNode, nodeId, arrival);
    }
    return { version: this.#version, byNode };
  }

  write(from: string, plan: ReadonlyMap<string, Arrival>, ttlMs: number, version: number): boolean {
    if (version !== this.#version) return false;
    const copy = new Map([...plan].map(([nodeId, { sessions, rooms }]) => [nodeId, { sessions, rooms }]));
    this.#plans.set(from, { plan: copy, expiresAt: this.#clock.now() + arrivalPlanTtl(ttlMs) });
    this.#version++;
    return true;
  }

  /**
   * Takes the sessions that arrived at the node from each drain (see `Registry.heartbeat`) off what that
   * drain's plan sends there: its rooms too, down to as many as the sessions left (a room holds one at
   * least). A node nothing is left for leaves the plan. Once per batch: one numbered no higher than the
   * newest applied for the node's process is one said again after a heartbeat whose answer was lost.
   */
  settle({ nodeId, bootId }: { nodeId: string; bootId: string }, arrived: ArrivedSessions): void {
    const applied = this.#batches.get(nodeId);
    const newest = applied?.bootId === bootId ? applied.batch : 0;
    if (!Number.isSafeInteger(arrived.batch) || arrived.batch <= newest) return;
    this.#batches.set(nodeId, { bootId, batch: arrived.batch });
    for (const [drain, sessions] of arrived.byDrain) {
      const plan = this.#plans.get(drain)?.plan;
      const planned = plan?.get(nodeId);
      if (plan === undefined || planned === undefined) continue;
      const left = Math.max(0, planned.sessions - sessions);
      if (left === 0) plan.delete(nodeId);
      else plan.set(nodeId, { sessions: left, rooms: Math.min(planned.rooms, left) });
    }
  }

  /**
   * Forgets the batches of the nodes that `remembered` no longer holds: a node that left, or was swept as
   * dead long enough ago that it says no batch again.
   */
  forgetBatches(remembered: (nodeId: string) => boolean): void {
    for (const nodeId of [...this.#batches.keys()]) if (!remembered(nodeId)) this.#batches.delete(nodeId);
  }

  clear(): void {
    this.#plans.clear();
    this.#batches.clear();
  }
}

/** Adds `arrival` to what `byNode` holds for `nodeId`. */
export function addArrival(byNode: Map<string, Arrival>, nodeId: string, arrival: Arrival): void {
  const held = byNode.get(nodeId) ?? { sessions: 0, rooms: 0 };
  byNode.set(nodeId, { sessions: held.sessions + arrival.sessions, rooms: held.rooms + arrival.rooms });
}
