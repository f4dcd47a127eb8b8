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

  /**
   * `id` was removed by the snapshot numbered `at`; `entity` what was held. Usually newer than any kept
   * before; a late fill's removal may be older, and is put in its place among the id's (the queue then
   * lets it go a little late, which keeps nothing wrong: it is past the window by then).
   */
  add(id: number, at: number, entity: Entity | undefined): void {
    let gone = this.#byId.get(id);
    if (gone === undefined) {
      gone = { ats: [], held: [] };
      this.#byId.set(id, gone);
    }
    insertAt(gone.ats, at, at, (kept) => kept);
    if (entity !== undefined) insertAt(gone.held, { entity, at }, at, (kept) => kept.at);
    this.#ids.push(id);
    this.#ats.push(at);
  }

  /** The newest snapshot number `id` went at within the window, if it went. */
  newest(id: number): number | undefined {
    return this.#byId.get(id)?.ats.at(-1);
  }

  /**
   * Keeps `entity` as what was held of `id` when it first went after the snapshot numbered `at`, where
   * nothing held it then (a late fill's copy of an entity the client never held): false when it did
   * not go after `at` within the window.
   */
  keepUntilGone(id: number, at: number, entity: Entity): boolean {
    const gone = this.#byId.get(id);
    const wentAt = gone?.ats.find((wentAt) => wentAt > at);
    if (gone === undefined || wentAt === undefined) return false;
    insertAt(gone.held, { entity, at: wentAt }, wentAt, (kept) => kept.at);
    return true;
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

/** Puts `item` (numbered `at`) in its place in `list`, ascending by `atOf`: after any numbered the same. */
function insertAt<Item>(list: Item[], item: Item, at: number, atOf: (item: Item) => number): void {
  let index = list.length;
  while (index > 0 && atOf(list[index - 1] as Item) > at) index--;
  list.splice(index, 0, item);
}
