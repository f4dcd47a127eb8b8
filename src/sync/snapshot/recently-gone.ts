/** One id's removals within the window. */
interface Gone<Entity> {
  /** The snapshot numbers it went at, ascending: held then or not (a removal sent again, or never held). */
  readonly ats: number[];
  /** What was held of it each time it went while held, oldest first, with when. */
  readonly held: { readonly entity: Entity; readonly at: number }[];
}

/**
 * What a decoder held of entities removed in the last `window` snapshots, by id: a late fill (a lost
 * snapshot sent again behind newer ones, see `SnapshotDecoder.decodeResent`) may carry a delta of an
 * entity a newer snapshot removed, and its records can only be read, and its checksum checked, against
 * that entity's copies. With views an entity goes and comes back, so an id may have gone several times,
 * each time with the copies held since it last came: each is kept, and when it went. Removals come in
 * ascending snapshot order, so the oldest go first from a queue.
 */
export class RecentlyGone<Entity> {
  readonly #window: number;
  readonly #byId = new Map<number, Gone<Entity>>();
  /** Ids and the snapshot number each went at, oldest first; an id recurs for each removal. */
  readonly #ids: number[] = [];
  readonly #ats: number[] = [];
  /** Where the queue starts: entries before it were let go (the arrays are compacted now and then). */
  #head = 0;

  constructor(window: number) {
    this.#window = window;
  }

  /** `id` was removed by the snapshot numbered `at` (not below any kept before); `entity` what was held. */
  add(id: number, at: number, entity: Entity | undefined): void {
    let gone = this.#byId.get(id);
    if (gone === undefined) {
      gone = { ats: [], held: [] };
      this.#byId.set(id, gone);
    }
    gone.ats.push(at);
    if (entity !== undefined) gone.held.push({ entity, at });
    this.#ids.push(id);
    this.#ats.push(at);
  }

  /** What was held of `id` when it first went after the snapshot numbered `at`, if it was held then. */
  heldAfter(id: number, at: number): Entity | undefined {
    const held = this.#byId.get(id)?.held;
    if (held === undefined) return undefined;
    for (const gone of held) if (gone.at > at) return gone.entity;
    return undefined;
  }

  /** Whether `id` went at a snapshot numbered after `after` and up to `upTo`. */
  wentBetween(id: number, after: number, upTo: number): boolean {
    return this.#byId.get(id)?.ats.some((at) => at > after && at <= upTo) === true;
  }

  /** Lets go of what went more than the window before the snapshot numbered `newestAt`. */
  expire(newestAt: number): void {
    const ids = this.#ids;
    const ats = this.#ats;
    let head = this.#head;
    while (head < ids.length && newestAt - (ats[head] as number) > this.#window) {
      const id = ids[head] as number;
      const gone = this.#byId.get(id);
      // The oldest of this id's removals is this one: removals are queued in the order they came.
      if (gone !== undefined) {
        const at = gone.ats.shift();
        if (gone.held[0]?.at === at) gone.held.shift();
        if (gone.ats.length === 0) this.#byId.delete(id);
      }
      head++;
    }
    if (head === ids.length) {
      ids.length = 0;
      ats.length = 0;
      head = 0;
    } else if (head > 64 && head * 2 > ids.length) {
      ids.splice(0, head);
      ats.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }
}
