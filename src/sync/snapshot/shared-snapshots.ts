import {
  type BaseFrame,
  type BodyChanges,
  bodyChanges,
  type ChangeColumns,
  newColumns,
  releaseColumns,
} from './body-changes.js';
import { buildSharedBody } from './body-writer.js';
import { ByteSlab } from './byte-slab.js';
import { EncodingCache } from './encoding-cache.js';
import type { EntityRegistry } from './entity-registry.js';
import { TableFrame, type WorldFrame } from './entity-table.js';
import { FrameHistory } from './frame-history.js';
import type { SharedBody } from './shared-body.js';

export interface SharedSnapshotsOptions {
  /** The encoding cache the bodies are built from; share the encoders' one. Default: a new one. */
  cache?: EncodingCache;
}

export interface SharedSnapshotStats {
  /** Bodies encoded: one per distinct (frame, client's acked frame, predictor frame). */
  readonly bodies: number;
  /** Snapshots served from a body encoded for another client. */
  readonly reused: number;
  /** Bodies in which some type's moving fields were written against their predicted motion. */
  readonly predicted: number;
}

/**
 * Columns kept for reuse (see `ChangeColumns`): a frame usually has one to three bodies' changes, and a
 * burst of clients at many different frames should not keep its columns (an array per entity each) for good.
 */
const MAX_SPARE_COLUMNS = 4;

/** Empty bases kept for frames this recent (see `emptyBase`). */
const MAX_EMPTY_BASES = 64;

/**
 * Shared snapshot encoding for the clients of one world. With no byte budget in the way, a client that
 * acked a complete snapshot holds exactly that snapshot's frame, so what it needs next is a function of
 * (the frame now, the frame it is in step at): clients in the same state share one encode, and each only
 * gets its own header (seq, stream, acked distance, checksum) patched into a copy of the bytes. Pass one
 * to every client's `SnapshotEncoder` (`{ shared }`), with frames from one `EntityTable` in time order.
 */
export class SharedSnapshots {
  readonly registry: EntityRegistry;
  readonly cache: EncodingCache;
  readonly #history = new FrameHistory();
  /** Where every body's per-client messages are copied to. */
  readonly #slab = new ByteSlab();
  /**
   * Bodies of the newest frame, by the frame their clients are in step at and the predictor frame (or
   * none); dropped with the next frame.
   */
  #bodiesOf: WorldFrame | undefined;
  #bodies = new Map<WorldFrame, Map<WorldFrame | undefined, SharedBody>>();
  /** The bodies of the newest frame in the order built, with their bases (see `built`). */
  #built: { readonly base: BaseFrame; readonly body: SharedBody }[] = [];
  /** The newest frame index some client is known to hold exactly (see `heldExactly`); -1: none yet. */
  #newestHeld = -1;
  /** What the bodies of the newest frame for each base frame share, whatever their predictor. */
  #changes = new Map<WorldFrame, BodyChanges>();
  /** Columns of older frames' changes, for the next ones (see `ChangeColumns`). */
  readonly #spareColumns: ChangeColumns[] = [];
  /** What `see` answers for the newest frame (frozen: every encoder is given the same object). */
  #newestSeen: { readonly index: number; readonly newest: true } | undefined;
  /** Empty bases by the first frame their clients were sent (see `emptyBase`). */
  readonly #emptyBases = new Map<number, BaseFrame>();
  /** The newest body built against an empty base: its size and the index of its frame. */
  #emptyBody = { bytes: 0, index: -1 };
  #encoded = 0;
  #reused = 0;
  #predicted = 0;

  constructor(registry: EntityRegistry, options: SharedSnapshotsOptions = {}) {
    this.registry = registry;
    this.cache = options.cache ?? new EncodingCache();
  }

  get stats(): SharedSnapshotStats {
    return { bodies: this.#encoded, reused: this.#reused, predicted: this.#predicted };
  }

  /** For `SnapshotEncoder`: the frame's index, and whether it is the newest frame seen (shareable). */
  see(frame: WorldFrame): { readonly index: number; readonly newest: boolean } {
    const index = this.#history.see(frame);
    if (index !== this.#history.latestIndex) return { index, newest: false };
    // Every client asks about the newest frame once per snapshot: one answer each frame, not one each.
    let seen = this.#newestSeen;
    if (seen === undefined || seen.index !== index) {
      seen = Object.freeze({ index, newest: true });
      this.#newestSeen = seen;
      // The older frame's bodies serve no one now. Let go here, not when the next body is built: with
      // every client over its budget that may be never, and they hold that frame's states.
      if (this.#bodiesOf !== undefined && this.#bodiesOf !== frame) {
        this.#bodiesOf = undefined;
        this.#dropBodies();
      }
    }
    return seen;
  }

  /**
   * For `SnapshotEncoder`: the base of a client that has acked nothing yet and was first sent the frame at
   * `index`. It holds nothing for sure, and may hold any entity sent to it since: its bodies carry every
   * entity in full and every removal since that frame, so clients that started at the same frame (a match
   * starting, a room filling at once) share them instead of each planning its own full snapshots.
   */
  emptyBase(index: number): BaseFrame {
    let base = this.#emptyBases.get(index);
    if (base !== undefined) return base;
    // A client leaves its empty base with its first ack: one from long ago is kept for no one. Dropping
    // one still in use costs only sharing (a base is defined by its index; another object serves as well).
    if (this.#emptyBases.size >= MAX_EMPTY_BASES) {
      const recent = this.#history.latestIndex - MAX_EMPTY_BASES;
      for (const old of this.#emptyBases.keys()) if (old < recent) this.#emptyBases.delete(old);
    }
    base = { frame: new TableFrame(0, [], []), index, empty: true };
    this.#emptyBases.set(index, base);
    return base;
  }

  /**
   * Whether a body against an empty base, built lately (for a frame at most 64 back), was larger than
   * `budgetBytes`: a client with that budget then goes per-client from its first snapshot rather than have
   * a body built for it that it cannot be sent (in a world larger than the budget, every entity in full).
   * An older size is not trusted (the world may have shrunk since): the next client tries again.
   */
  emptyBodyOver(budgetBytes: number): boolean {
    const { bytes, index } = this.#emptyBody;
    return bytes > budgetBytes && index >= this.#history.latestIndex - MAX_EMPTY_BASES;
  }

  /**
   * For `SnapshotEncoder`: the body that brings a client in step at `base` to the newest frame, or
   * undefined when `base` is too old for the history kept (the client goes per-client). `predictors`
   * before index `end` are frames the client held exactly before `base` (oldest first): moving fields may
   * be written against their motion from one of them (see `buildSharedBody`). A body already built for
   * `base` with any of them is shared; otherwise the newest is used, so clients in step at the same frame
   * converge on the same predictor and share one body. Bodies for the same `base` with different
   * predictors share what does not depend on the predictor (which entities changed, their masks, the
   * checksum): built once.
   */
  body(
    frame: WorldFrame,
    base: BaseFrame,
    predictors: readonly WorldFrame[] = [],
    end = predictors.length,
  ): SharedBody | undefined {
    if (base.index < this.#history.oldestBase) return undefined;
    const cached = this.builtBody(frame, base, predictors, end);
    if (cached !== undefined) return cached;
    let byPredictor = this.#bodies.get(base.frame);
    if (byPredictor === undefined) {
      byPredictor = new Map();
      this.#bodies.set(base.frame, byPredictor);
    }
    const predictor = end > 0 ? predictors[end - 1] : undefined;
    let changes = this.#changes.get(base.frame);
    if (changes === undefined) {
      const columns = this.#spareColumns.pop() ?? newColumns();
      changes = bodyChanges(this.registry, this.#history, frame, base, columns);
      this.#changes.set(base.frame, changes);
    }
    const body = buildSharedBody(this.registry, this.cache, this.#history, changes, this.#slab, predictor);
    byPredictor.set(predictor, body);
    this.#built.push({ base, body });
    if (base.empty === true) this.#emptyBody = { bytes: body.byteLength, index: this.#history.latestIndex };
    this.#encoded++;
    if (body.usesPrediction) this.#predicted++;
    return body;
  }

  /**
   * The body `body` would answer without building one: one already built for `frame` against `base` with
   * one of the predictors before `end` (newest first), or with none when there are none.
   */
  builtBody(
    frame: WorldFrame,
    base: BaseFrame,
    predictors: readonly WorldFrame[] = [],
    end = predictors.length,
  ): SharedBody | undefined {
    if (frame !== this.#bodiesOf) {
      this.#bodiesOf = frame;
      this.#dropBodies();
    }
    const byPredictor = this.#bodies.get(base.frame);
    if (byPredictor === undefined) return undefined;
    for (let index = end - 1; index >= 0; index--) {
      const cached = byPredictor.get(predictors[index]);
      if (cached !== undefined) {
        this.#reused++;
        return cached;
      }
    }
    const cached = end === 0 ? byPredictor.get(undefined) : undefined;
    if (cached !== undefined) this.#reused++;
    return cached;
  }

  /**
   * The bodies built for `frame` so far, oldest first, each with the base it brings clients from: a client
   * that lacks one frame such a body needs may be sent it again ahead of the body (see
   * `SnapshotEncoderOptions.resend`) rather than have a body built for it alone.
   */
  built(frame: WorldFrame): readonly { readonly base: BaseFrame; readonly body: SharedBody }[] {
    return frame === this.#bodiesOf ? this.#built : [];
  }

  /**
   * For `SnapshotEncoder`: a client holds the frame at `index` exactly (it acked a complete snapshot of
   * it). A client that lost its snapshot of that frame builds its next body against it, to be sent again
   * ahead of the body, only when some client holds it: the others' bodies will be against it too.
   */
  heldExactly(index: number): void {
    if (index > this.#newestHeld) this.#newestHeld = index;
  }

  /** The newest frame index `heldExactly` was told of (-1: none). */
  get newestHeld(): number {
    return this.#newestHeld;
  }

  /** Lets go of the bodies of the frame before; their changes' columns serve the next frame's. */
  #dropBodies(): void {
    for (const changes of this.#changes.values()) {
      if (this.#spareColumns.length === MAX_SPARE_COLUMNS) break;
      releaseColumns(changes.columns);
      this.#spareColumns.push(changes.columns);
    }
    this.#bodies = new Map();
    this.#built = [];
    this.#changes = new Map();
  }
}
