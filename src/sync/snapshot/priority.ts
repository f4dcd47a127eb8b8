import type { EntityRecord } from './entity-table.js';
import { RankedOrder } from './ranked-order.js';

/**
 * Update tiers. Critical entities (the client's own vehicle, removals) go first in every packet;
 * normal and ambient ones gain priority at their weight and wait their turn when the budget is short.
 */
export const Tier = { critical: 'critical', normal: 'normal', ambient: 'ambient' } as const;
export type Tier = (typeof Tier)[keyof typeof Tier];

export interface PriorityOptions {
  /**
   * Priority gained per snapshot, ≥ 0 (for example falling with the distance to this client's player);
   * below 0 counts as 0. `Infinity` sends the entity before every other that is not critical (several
   * such take turns, the longest waiting first). NaN or not a number is a RangeError. Default 1.
   */
  priority?: (id: number, entity: EntityRecord) => number;
  /** Default `normal`; anything but a `Tier` is a RangeError. Removals are always critical. */
  tier?: (id: number, entity: EntityRecord) => Tier;
  /** Multipliers of the priority gained: normal 1, ambient 0.25 unless given. */
  weights?: { readonly normal?: number; readonly ambient?: number };
}

/** An entity the encoder would send: `entity` is undefined for a removal. */
export interface Candidate {
  readonly id: number;
  readonly entity: EntityRecord | undefined;
}

/** Sending order of the groups: critical entities and removals, then Infinity's, then by priority. */
const CRITICAL = 0;
const URGENT = 1;
const RANKED = 2;

/**
 * Gaffer-style priority accumulator, one per client. Every snapshot each entity waiting to be sent gains
 * its priority; the packet is filled highest first; what was sent starts again from 0 and what did not
 * fit keeps what it gained, so it is sent sooner next time. An entity with nothing to send drops out.
 */
export class PriorityAccumulator {
  readonly #priority: (id: number, entity: EntityRecord) => number;
  readonly #tier: (id: number, entity: EntityRecord) => Tier;
  readonly #weights: Readonly<Record<Tier, number>>;
  #accumulated = new Map<number, number>();
  /**
   * Entities of Infinity priority by their place in line (lower: first), given when they start waiting:
   * one that went out joins the back, so that several take turns in order.
   */
  #queued = new Map<number, number>();
  #queueEnd = 0;
  /** The sending order `ranking` hands out, reused: its arrays grow to the longest backlog. */
  readonly #order = new RankedOrder();

  constructor(options: PriorityOptions = {}) {
    this.#priority = options.priority ?? (() => 1);
    this.#tier = options.tier ?? (() => Tier.normal);
    const normal = options.weights?.normal ?? 1;
    const ambient = options.weights?.ambient ?? 0.25;
    for (const [name, weight] of [
      ['normal', normal],
      ['ambient', ambient],
    ] as const) {
      if (!Number.isFinite(weight) || weight < 0) {
        throw new RangeError(`priority weight ${name} must be a finite number ≥ 0, got ${weight}`);
      }
    }
    this.#weights = { critical: 1, normal, ambient };
  }

  /** What an entity has gained since it was last sent (0 when it has nothing waiting). */
  priorityOf(id: number): number {
    return this.#accumulated.get(id) ?? 0;
  }

  /** Adds this snapshot's priority to every candidate, forgets the rest; returns ids in sending order. */
  rank(candidates: readonly Candidate[]): number[] {
    const order = this.ranking(candidates);
    const ids: number[] = [];
    for (let index = order.pop(); index >= 0; index = order.pop())
      ids.push((candidates[index] as Candidate).id);
    return ids;
  }

  /**
   * `rank`, for taking the candidates one at a time: their indices in `candidates`, in sending order, from
   * `pop()` (-1 once all were taken). What is never taken costs nothing to order: a budgeted snapshot takes
   * a budget's worth of a backlog that can be far longer. Valid until the next call (the order is reused).
   */
  ranking(candidates: readonly Candidate[]): RankedOrder {
    const next = new Map<number, number>();
    const nextQueued = new Map<number, number>();
    const order = this.#order;
    const count = candidates.length;
    order.reset(count);
    let queueEnd = this.#queueEnd;
    for (let index = 0; index < count; index++) {
      const { id, entity } = candidates[index] as Candidate;
      let group = CRITICAL;
      let gain = 1;
      if (entity !== undefined) {
        const tier = this.#tier(id, entity);
        const weight = this.#weightOf(tier, id, entity);
        const gained = this.#priority(id, entity);
        // Refused rather than taken as 0: a NaN is a bug (a distance to a player with no position yet), and
        // taken as 0 the entity would wait for every other with nothing to show.
        if (typeof gained !== 'number' || Number.isNaN(gained)) {
          throw new RangeError(
            `priority(${id}, ${entity.type.name}) must return a number (≥ 0; Infinity: first), got ${shown(gained)}`,
          );
        }
        // Infinity goes first after critical ones, in line (weighed 0, it gains nothing like any other).
        if (gained === Number.POSITIVE_INFINITY && weight > 0 && tier !== Tier.critical) {
          const place = this.#queued.get(id) ?? queueEnd++;
          nextQueued.set(id, place);
          next.set(id, this.#accumulated.get(id) ?? 0);
          order.set(index, id, URGENT, -place);
          continue;
        }
        group = tier === Tier.critical ? CRITICAL : RANKED;
        // Below 0 counts as 0 ("range minus distance" goes negative far away).
        gain = weight === 0 || gained <= 0 ? 0 : Math.min(gained * weight, Number.MAX_VALUE);
      }
      const priority = (this.#accumulated.get(id) ?? 0) + gain;
      next.set(id, priority);
      order.set(index, id, group, priority);
    }
    // Only now: a refused priority or tier leaves every entity with what it had.
    this.#accumulated = next;
    this.#queued = nextQueued;
    this.#queueEnd = queueEnd;
    order.build(count);
    return order;
  }

  #weightOf(tier: Tier, id: number, entity: EntityRecord): number {
    if (tier === Tier.normal || tier === Tier.ambient || tier === Tier.critical) return this.#weights[tier];
    throw new RangeError(
      `tier(${id}, ${entity.type.name}) must return critical, normal or ambient, got ${shown(tier)}`,
    );
  }

  /** Every candidate went out: nothing is left waiting, so nothing keeps a priority. */
  sentAll(): void {
    // Clearing allocates a new table even for an empty Map, and this runs for every snapshot in shared mode.
    if (this.#accumulated.size > 0) this.#accumulated.clear();
    if (this.#queued.size > 0) this.#queued.clear();
  }

  /**
   * The entity went out in a packet: it starts gaining again from 0. Tell the entities of one packet in
   * the order `rank` gave them.
   */
  sent(id: number): void {
    this.#accumulated.set(id, 0);
    // An entity of Infinity priority that went out joins the back of the line: those sent together keep
    // their order, since they are told in the order they were ranked.
    if (this.#queued.has(id)) this.#queued.set(id, this.#queueEnd++);
  }
}

/** A value as an error message shows it: strings quoted, so that "3" is not taken for 3. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
