/**
 * What a decoder held of entities removed in the last `window` snapshots, by id: a late fill (a lost
 * snapshot sent again behind newer ones, see `SnapshotDecoder.decodeResent`) may carry a delta of an
 * entity a newer snapshot removed, and its records can only be read, and its checksum checked, against
 * that entity's copies. Removals come in ascending snapshot order, so the oldest go first from a queue.
 */
export class RecentlyGone<Entity> {
  readonly #window: number;
  /** By id, what was held of it and when it went: a later removal of the same id replaces an earlier one. */
  readonly #byId = new Map<number, { readonly entity: Entity | undefined; readonly at: number }>();
  /** Ids and the snapshot number each went at, oldest first; an id may recur (removed again). */
  readonly #ids: number[] = [];
  readonly #ats: number[] = [];
  /** Where the queue starts: entries before it were let go (the arrays are compacted now and then). */
  #head = 0;

  constructor(window: number) {
    this.#window = window;
  }

  get(id: number): Entity | undefined {
    return this.#byId.get(id)?.entity;
  }

  /** The snapshot number `id` last went at, if within the window. */
  removedAt(id: number): number | undefined {
    return this.#byId.get(id)?.at;
  }

  /**
   * `id` was removed by the snapshot numbered `at` (not below any kept before), `entity` what was held of
   * it. Undefined (it was not held: a removal sent again, or one of an entity never held) keeps what an
   * earlier removal kept, and moves when it went to `at`: `removedAt` is the last time it was not there.
   */
  add(id: number, at: number, entity: Entity | undefined): void {
    const kept = entity ?? this.#byId.get(id)?.entity;
    this.#byId.set(id, { entity: kept, at });
    this.#ids.push(id);
    this.#ats.push(at);
  }

  /** Lets go of what went more than the window before the snapshot numbered `newestAt`. */
  expire(newestAt: number): void {
    const ids = this.#ids;
    const ats = this.#ats;
    let head = this.#head;
    while (head < ids.length && newestAt - (ats[head] as number) > this.#window) {
      const id = ids[head] as number;
      // Unless a later removal of the same id (an entity back in view and gone again) replaced it.
      if (this.#byId.get(id)?.at === ats[head]) this.#byId.delete(id);
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

  clear(): void {
    this.#byId.clear();
    this.#ids.length = 0;
    this.#ats.length = 0;
    this.#head = 0;
  }
}
