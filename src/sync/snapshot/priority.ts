import type { EntityRecord } from './entity-table.js';

/**
 * Update tiers. Critical entities (the client's own vehicle, removals) go first in every packet;
 * normal and ambient ones gain priority at their weight and wait their turn when the budget is short.
 */
export const Tier = { critical: 'critical', normal: 'normal', ambient: 'ambient' } as const;
export type Tier = (typeof Tier)[keyof typeof Tier];

export interface PriorityOptions {
  /**
   * Priority gained per snapshot, ≥ 0 (for example falling with the distance to this client's player);
   * `Infinity` sends the entity before all others of its tier. Anything else (NaN, a negative number) is a
   * RangeError. Default 1.
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
    const next = new Map<number, number>();
    const ranked: { id: number; critical: boolean; priority: number }[] = [];
    for (const { id, entity } of candidates) {
      let critical = true;
      let gain = 1;
      if (entity !== undefined) {
        const tier = this.#tier(id, entity);
        const weight = this.#weightOf(tier, id, entity);
        const gained = this.#priority(id, entity);
        // Refused rather than taken as 0: an entity whose priority is NaN would never be sent, unseen.
        if (!(typeof gained === 'number' && gained >= 0)) {
          throw new RangeError(
            `priority(${id}, ${entity.type.name}) must return a number ≥ 0 (Infinity: before all others of ` +
              `its tier), got ${shown(gained)}`,
          );
        }
        critical = tier === Tier.critical;
        // Weighed 0, an entity gains nothing, Infinity included (Infinity × 0 is NaN).
        gain = weight === 0 ? 0 : gained * weight;
      }
      const priority = (this.#accumulated.get(id) ?? 0) + gain;
      next.set(id, priority);
      ranked.push({ id, critical, priority });
    }
    // Only now: a refused priority or tier leaves every entity with what it had.
    this.#accumulated = next;
    ranked.sort((a, b) =>
      a.critical !== b.critical ? (a.critical ? -1 : 1) : b.priority - a.priority || a.id - b.id,
    );
    return ranked.map((entry) => entry.id);
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
  }

  /** The entity went out in a packet: it starts gaining again from 0. */
  sent(id: number): void {
    this.#accumulated.set(id, 0);
  }
}

/** A value as an error message shows it: strings quoted, so that "3" is not taken for 3. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
