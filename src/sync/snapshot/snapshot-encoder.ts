import type { SnapshotAck } from './ack.js';
import {
  type Acked,
  impliedBaseline,
  isHeld,
  type SentSnapshot,
  type Tracked,
  trackAcked,
  trackInStep,
  trackSent,
} from './client-tracking.js';
import { EncodingCache } from './encoding-cache.js';
import type { EntityRegistry } from './entity-registry.js';
import { type EntityRecord, TableFrame, type WorldFrame } from './entity-table.js';
import { holds, removalKind } from './frame-view.js';
import { PENDING_SNAPSHOTS, PendingSnapshots } from './pending-snapshots.js';
import { type Candidate, PriorityAccumulator } from './priority.js';
import { RESEND_WINDOW, SentBodies, type SentBody } from './sent-bodies.js';
import { SEQ_BITS, SEQ_MODULO, seqDistance, seqOf } from './seq.js';
import type { BaseFrame, SharedBody } from './shared-body.js';
import type { SharedSnapshots } from './shared-snapshots.js';
import {
  choosePayload,
  fillByPriority,
  NONE_OVER_BUDGET,
  type OverBudget,
  type Planned,
  planAll,
  writeSnapshot,
} from './snapshot-plan.js';
import { STREAM_BITS } from './stream.js';
import {
  ackedRefBits,
  baselineRefBits,
  FINGERPRINT_BITS,
  kindBits,
  NEAR_BASELINE_WINDOW,
  predictorRefBits,
  RecordKind,
  varUintBits,
} from './wire.js';

export interface SnapshotEncoderOptions {
  /** Share one between the encoders of all clients of a world. Default: the shared one's, or a new one. */
  cache?: EncodingCache;
  /** This client's accumulator. Default: every entity priority 1, tier normal. */
  priority?: PriorityAccumulator;
  /**
   * Share one between the encoders of all clients of a world: clients in step at the same frame then
   * share one encode. Default: none (every snapshot planned for this client alone).
   */
  shared?: SharedSnapshots;
  /**
   * The seq of the first snapshot (0..65535). Default 0. A server making a new encoder for a player who
   * left and joined again should pass a random one: an ack still on its way from the earlier membership
   * then names a seq this encoder did not send (and is ignored) rather than one it did.
   */
  firstSeq?: number;
  /**
   * The stream every snapshot names (0..65535, see `streamOf`): the client's decoder holds one stream and
   * tells another one's snapshots apart (`otherStream`). Default 0. `RoomSync` writes the member's
   * membership and the epoch of the room's RoomSync.
   */
  stream?: number;
  /**
   * Shared mode: when the client lacks one frame a body built this tick needs (its snapshot of that frame
   * was lost, or its ack), and that snapshot is among the last 32 sent to it, send it again, the same
   * bytes, ahead of the body (`EncodedSnapshot.resent`) rather than build a body for this client alone.
   * The client must decode both, the resent one first (`SnapshotDecoder.decodeResent`). Both, and the
   * resent one's length as a chain frame carries it (up to 3 bytes), fit the budget. Default false.
   */
  resend?: boolean;
}

export interface EncodeOptions {
  /**
   * Bytes the snapshot may take; the header (11-12+ bytes, 4 more when it names no acked snapshot and so
   * carries the types' fingerprint) always goes, even over it. Default: no limit.
   */
  budgetBytes?: number;
}

export interface EncodedSnapshot {
  /**
   * The snapshot's bytes, this client's alone and never written again. From a shared body, a view into
   * a chunk holding other clients' snapshots (see docs/sync.md, "Shared encoding"): mind `byteOffset`,
   * and copy before transferring `bytes.buffer`.
   */
  readonly bytes: Uint8Array;
  readonly seq: number;
  readonly tick: number;
  /** Every entity with something to send is in it: the client may take all others as unchanged. */
  readonly complete: boolean;
  /** Ids in the snapshot, ascending. */
  readonly sent: readonly number[];
  /** Entities with something to send that the budget left out (they keep their priority). */
  readonly leftOut: number;
  /**
   * Of those, the ones too large to go even alone in this budget, ascending by id, with the budget each
   * needs: they reach the client only once its budget grows or their state gets smaller. Only those the
   * fill tried: one ranked behind what filled the budget is named once its priority carries it up.
   */
  readonly overBudget: readonly OverBudget[];
  /**
   * A snapshot sent before, the same bytes, that the client must decode ahead of `bytes` (with
   * `SnapshotDecoder.decodeResent`): `bytes` is written against its frame. Only with the `resend` option;
   * undefined when none. A view into a chunk, as `bytes` is.
   */
  readonly resent?: Uint8Array;
}

/** A body this client can be sent: the counts of its base and predictor snapshots, and what must go first. */
interface ChainedBody {
  readonly body: SharedBody;
  /** Undefined: against an empty base (the client has acked nothing), none named. */
  readonly baseAt: number | undefined;
  readonly predictorAt: number | undefined;
  readonly resent: SentBody | undefined;
}

/**
 * Header bits besides the tick and count varuints and the acked reference: seq, stream, complete flag,
 * checksum.
 */
const FIXED_HEADER_BITS = SEQ_BITS + STREAM_BITS + 1 + 32;

/**
 * Snapshots in a row a client may leave unacked before it is sent empty ones (see `stalled`): as many as
 * are kept for an ack, so that an ack of any snapshot the encoder still remembers ends the stall.
 */
const STALL_SNAPSHOTS = PENDING_SNAPSHOTS;

/** The records of a stalled client's snapshot (and its relative modes): none, one frozen list for all. */
const NONE: readonly never[] = Object.freeze([]);

/**
 * Steps kept as predictors (see `#stepAts`). A body for this client is shared when it was built with any
 * of them, and the newest is the one others use, so older ones hardly ever serve; each kept keeps its
 * frame (a whole world's records) alive. With 64, every frame lived about 64 snapshots: long enough for
 * the collector's young-generation passes to copy and promote each one, which cost more than the bodies.
 */
const MAX_STEPS = 8;

/** A `Candidate` entry `#candidates` fills in again for each snapshot. */
interface ReusedCandidate {
  id: number;
  entity: EntityRecord | undefined;
}

/**
 * Shared mode: the client acked a complete snapshot, so it holds exactly that snapshot's frame; or (an
 * empty base, `at` the count before its first snapshot) it has acked none yet and holds nothing for sure.
 */
interface InStep extends BaseFrame {
  readonly at: number;
}

/**
 * The server side of snapshot sync for one client. Each `encode` sends, within the byte budget and in
 * priority order, the entities whose state the client may not hold: new ones in full, known ones as
 * changes against the newest state the client acked (its baseline for that entity), removed ones as a
 * removal until one is acked. Entities the client holds up to date are left out. `receiveAck` moves
 * baselines forward; an ack asking for a resync drops them, so the next snapshots carry full states.
 *
 * With `shared`, a client that acked a complete snapshot is "in step" at its frame and tracked by that
 * alone: its snapshots come from a body shared with every client in step at the same frame. It goes back
 * to per-entity tracking when that body does not fit its budget, its acks fall 64 snapshots behind, or it
 * asks for a resync, and returns when it acks a complete snapshot again.
 */
export class SnapshotEncoder {
  readonly #registry: EntityRegistry;
  readonly #cache: EncodingCache;
  readonly #priority: PriorityAccumulator;
  #shared: SharedSnapshots | undefined;
  /** Snapshots before this count were encoded with another SharedSnapshots: never a shared base. */
  #sharedFrom = 0;
  #at = 0;
  /** The count of the first snapshot (its seq): an ack naming an earlier one is not ours. */
  readonly #firstAt: number;
  /** Named in every snapshot's header. */
  readonly #stream: number;
  /** The tick of the newest frame encoded (-1: none yet). */
  #newestTick = -1;
  #tracked = new Map<number, Tracked>();
  /** `#candidates`' entries, reused, and how many the last snapshot used. */
  readonly #candidateList: ReusedCandidate[] = [];
  #candidatesUsed = 0;
  /** Snapshot count → what it carried, until acked (per-client) or superseded by an acked one (shared). */
  readonly #pending = new PendingSnapshots();
  /**
   * No snapshot count below this one is in `#pending` (counts go in ascending): what is dropped through an
   * ack is deleted count by count from here, and what is still pending is looked for from here.
   */
  #pendingFrom = 0;
  #resyncFrom: number | undefined;
  /** The newest snapshot count the client acked since the last resync. */
  #ackedAt: number | undefined;
  /**
   * The newest snapshot count the client acked (the count before the first: none yet), moved only by acks
   * of snapshots sent since the last resync and kept through a resync: `stalled` is measured from it. A
   * request for a resync that is heard acks nothing, so asking on every ack stalls a client as never
   * acking does.
   */
  #heardAt = 0;
  /** Set in shared mode; per-entity `#tracked` is then empty. */
  #inStep: InStep | undefined;
  /**
   * The snapshots the client was in step at (it held their frames exactly), oldest first, the newest
   * MAX_STEPS of them back to 64 before the newest sent: it keeps copies as of each, so any of them older
   * than the one it is in step at can be a body's predictor. Parallel arrays changed in place: a step is taken on nearly every ack, and
   * a new list per step was garbage per client per snapshot. Oldest first, so that a step is a `push` and
   * an expired one a `shift` (which V8 does without moving the rest), where newest first moved the whole
   * list on every step.
   */
  readonly #stepAts: number[] = [];
  readonly #stepFrames: WorldFrame[] = [];
  /** The newest ack taken (not a resync) and the snapshot count it acked: its repeats are skipped. */
  #lastAck: SnapshotAck | undefined;
  #lastAckedCount = -1;
  /** With the `resend` option: the shared snapshots sent lately, to be sent again (see `#chained`). */
  readonly #sentBodies: SentBodies | undefined;

  constructor(registry: EntityRegistry, options: SnapshotEncoderOptions = {}) {
    const shared = options.shared;
    if (shared !== undefined && shared.registry !== registry) {
      throw new RangeError('the SharedSnapshots must be made with the same entity registry');
    }
    this.#registry = registry;
    this.#shared = shared;
    this.#cache = options.cache ?? shared?.cache ?? new EncodingCache();
    this.#priority = options.priority ?? new PriorityAccumulator();
    const firstSeq = options.firstSeq ?? 0;
    if (!Number.isInteger(firstSeq) || firstSeq < 0 || firstSeq >= SEQ_MODULO) {
      throw new RangeError(`firstSeq must be an integer in 0..${SEQ_MODULO - 1}, got ${firstSeq}`);
    }
    const stream = options.stream ?? 0;
    if (!Number.isInteger(stream) || stream < 0 || stream >= 2 ** STREAM_BITS) {
      throw new RangeError(`stream must be an integer in 0..${2 ** STREAM_BITS - 1}, got ${stream}`);
    }
    this.#stream = stream;
    this.#sentBodies = options.resend === true ? new SentBodies() : undefined;
    // Counts start at the first seq, so `at % 65536` is the seq; nothing below it was ever sent.
    this.#firstAt = firstSeq;
    this.#at = firstSeq;
    this.#pendingFrom = firstSeq;
    this.#heardAt = firstSeq - 1;
  }

  /** The stream its snapshots name. */
  get stream(): number {
    return this.#stream;
  }

  /** The seq the next snapshot will carry. */
  get nextSeq(): number {
    return seqOf(this.#at);
  }

  /**
   * True while the client has acked none of the last STALL_SNAPSHOTS (128) snapshots sent to it: it is
   * resynced (once per stall) and sent empty snapshots (a header, no record) until it acks one. A client
   * that does not ack, or asks for a resync with every ack, would otherwise cost a snapshot planned for it
   * alone every time, carrying every entity removed since it last acked (a removal goes again until acked)
   * as far as its budget holds: at 16 KiB, some 20,000 of them, 30 ms a snapshot. Nothing the client may
   * hold is forgotten: once it acks again it is sent full states, and the removals it may have missed.
   */
  get stalled(): boolean {
    return this.#at - this.#heardAt > STALL_SNAPSHOTS;
  }

  /** True while the client is in step at a frame and served from shared bodies. */
  get inSharedMode(): boolean {
    return this.#inStep !== undefined;
  }

  /**
   * The client's next snapshot of `frame`. Frames go in time order (a tick lower than the newest one
   * encoded throws a RangeError; the same tick again is fine): the client keeps its copies by snapshot
   * and drops an entity's with its removal, so an older world could not be written against them.
   */
  encode(frame: WorldFrame, options?: EncodeOptions): EncodedSnapshot {
    // No `= {}` default: that made an object on every call, and most calls pass no options.
    const budget = options?.budgetBytes ?? Number.POSITIVE_INFINITY;
    if (!(budget >= 0)) throw new RangeError(`budgetBytes must be ≥ 0, got ${budget}`);
    if (!Number.isSafeInteger(frame.tick) || frame.tick < 0) {
      throw new RangeError(`frame tick must be a safe integer ≥ 0, got ${frame.tick}`);
    }
    // A client's copies are kept by snapshot and an entity once removed is taken to stay removed (ids are
    // never reused): a snapshot of an older world than one sent before would break both.
    if (frame.tick < this.#newestTick) {
      throw new RangeError(
        `frames must be encoded in time order: tick ${frame.tick} after tick ${this.#newestTick}`,
      );
    }
    this.#newestTick = frame.tick;
    this.#cache.startFrame(frame.tick);
    const seen = this.#shared?.see(frame);
    if (this.stalled) return this.#encodeStalled(frame);
    // The first snapshot: the client holds nothing, so it is in step at nothing (see `emptyBase`) until
    // it acks one, and is served from the bodies of every client that started at the same frame.
    const shared = this.#shared;
    if (
      shared !== undefined &&
      this.#at === this.#firstAt &&
      seen?.newest === true &&
      !shared.emptyBodyOver(budget)
    ) {
      const base = shared.emptyBase(seen.index);
      this.#inStep = { at: this.#firstAt - 1, frame: base.frame, index: base.index, empty: true };
    }
    if (this.#inStep !== undefined) {
      const snapshot = seen?.newest === true ? this.#encodeShared(frame, seen.index, budget) : undefined;
      if (snapshot !== undefined) return snapshot;
      this.#leaveSharedMode();
    }
    return this.#encodeOwn(frame, seen?.index, budget);
  }

  /** The shared body for this client's frame, when it fits and the header can name the acked snapshot. */
  #encodeShared(frame: WorldFrame, frameIndex: number, budget: number): EncodedSnapshot | undefined {
    const inStep = this.#inStep as InStep;
    const at = this.#at;
    const distance = at - inStep.at;
    // An empty base names no acked snapshot; it is left, as any base is, 64 snapshots without an ack.
    if (distance > NEAR_BASELINE_WINDOW) return undefined;
    const end = this.#predictorsEnd(at, inStep.at);
    const frames = this.#stepFrames;
    const shared = this.#shared as SharedSnapshots;
    let body: SharedBody | undefined;
    if (this.#sentBodies !== undefined && inStep.empty !== true) {
      body = shared.builtBody(frame, inStep, frames, end);
      const chained = body === undefined ? this.#chained(frame, at, inStep, end, budget) : undefined;
      if (chained !== undefined) return this.#sendBody(frame, frameIndex, chained);
    }
    body ??= shared.body(frame, inStep, frames, end);
    if (body === undefined || body.byteLength > budget) return undefined;
    let predictorAt: number | undefined;
    if (body.predictor !== undefined) {
      const index = lastIndexBefore(frames, body.predictor, end);
      if (index >= 0) predictorAt = this.#stepAts[index] as number;
    }
    const baseAt = inStep.empty === true ? undefined : inStep.at;
    return this.#sendBody(frame, frameIndex, { body, baseAt, predictorAt, resent: undefined });
  }

  /** Sends a shared body (and the snapshot it needs first, if any), patched for this client. */
  #sendBody(frame: WorldFrame, frameIndex: number, chosen: ChainedBody): EncodedSnapshot {
    const at = this.#at;
    const seq = seqOf(at);
    const { body, baseAt, predictorAt, resent } = chosen;
    const { ids, entities } = body;
    this.#keepPending({ at, frame, frameIndex, complete: true, ids, entities });
    this.#sentBodies?.add({ at, body, frame, frameIndex, baseAt, predictorAt });
    this.#priority.sentAll();
    this.#at = at + 1;
    return {
      bytes: this.#message(body, at, baseAt, predictorAt),
      seq,
      tick: frame.tick,
      complete: true,
      sent: ids,
      leftOut: 0,
      overBudget: NONE_OVER_BUDGET,
      resent:
        resent === undefined
          ? undefined
          : this.#message(resent.body, resent.at, resent.baseAt, resent.predictorAt),
    };
  }

  /** A shared body's bytes for this client as its snapshot `at`, against the snapshots at those counts. */
  #message(
    body: SharedBody,
    at: number,
    baseAt: number | undefined,
    predictorAt: number | undefined,
  ): Uint8Array {
    const ackedDistance = baseAt === undefined ? undefined : at - baseAt;
    const predictorDistance =
      baseAt === undefined || predictorAt === undefined ? undefined : baseAt - predictorAt;
    return body.message(seqOf(at), this.#stream, ackedDistance, predictorDistance);
  }

  /**
   * With the `resend` option, when no body built this tick is against the frame the client is in step
   * at: a body it can take all the same. One built this tick that needs only frames it holds exactly (its
   * steps), or all but one whose snapshot was sent to it lately and can go again first. Failing that, a
   * body built for it that other clients will share: against the frame of its newest snapshot sent since
   * the step it is in, which it lacks, when some client holds that frame (it lost it, where they did not);
   * or against its step with the frame of a lost snapshot before it as the predictor, the one clients
   * that lost none predict from. Undefined: build as without the option.
   */
  #chained(
    frame: WorldFrame,
    at: number,
    inStep: InStep,
    end: number,
    budget: number,
  ): ChainedBody | undefined {
    const shared = this.#shared as SharedSnapshots;
    let withResend: ChainedBody | undefined;
    for (const { base, body } of shared.built(frame)) {
      if (base.empty === true) continue;
      const chained = this.#usable(body, base.frame, at, budget);
      if (chained === undefined) continue;
      if (chained.resent === undefined) return chained;
      withResend ??= chained;
    }
    if (withResend !== undefined) return withResend;
    const sentBodies = this.#sentBodies as SentBodies;
    // The newest snapshot sent since the step, if the client can read it: a body against its frame.
    for (let sentAt = at - 1; sentAt > inStep.at && at - sentAt <= RESEND_WINDOW; sentAt--) {
      const sent = sentBodies.get(sentAt);
      if (sent === undefined || !this.#resendable(sent, at)) continue;
      if (sent.frameIndex > shared.newestHeld) continue;
      const base = { frame: sent.frame, index: sent.frameIndex };
      const body = shared.body(frame, base, this.#stepFrames, this.#stepFrames.length);
      return body === undefined ? undefined : this.#usable(body, sent.frame, at, budget);
    }
    // A lost snapshot between the step before and the step it is in: the predictor others use.
    const previousStep = end > 0 ? (this.#stepAts[end - 1] as number) : -1;
    for (let sentAt = inStep.at - 1; sentAt > previousStep && at - sentAt <= RESEND_WINDOW; sentAt--) {
      const sent = sentBodies.get(sentAt);
      if (sent === undefined || !this.#resendable(sent, at)) continue;
      const predictors = [...this.#stepFrames.slice(0, end), sent.frame];
      const body = shared.body(frame, inStep, predictors, predictors.length);
      return body === undefined ? undefined : this.#usable(body, inStep.frame, at, budget);
    }
    return undefined;
  }

  /**
   * How `body` (against `baseFrame`) can go to this client as its snapshot `at`: the counts of its base
   * and predictor among the client's steps, or one of them a snapshot to send again first; undefined when
   * it cannot (a frame it does not hold, distances the header cannot name, over the budget).
   */
  #usable(body: SharedBody, baseFrame: WorldFrame, at: number, budget: number): ChainedBody | undefined {
    let resent: SentBody | undefined;
    const held = (wanted: WorldFrame): number | undefined => {
      const index = lastIndexBefore(this.#stepFrames, wanted, this.#stepFrames.length);
      if (index >= 0) return this.#stepAts[index] as number;
      if (resent !== undefined) return undefined;
      const sent = (this.#sentBodies as SentBodies).ofFrame(wanted, at - RESEND_WINDOW, at - 1);
      if (sent === undefined || !this.#resendable(sent, at)) return undefined;
      resent = sent;
      return sent.at;
    };
    const baseAt = held(baseFrame);
    if (baseAt === undefined || at - baseAt > NEAR_BASELINE_WINDOW) return undefined;
    let predictorAt: number | undefined;
    if (body.predictor !== undefined) {
      predictorAt = held(body.predictor);
      if (predictorAt === undefined || predictorAt >= baseAt || baseAt - predictorAt > NEAR_BASELINE_WINDOW) {
        return undefined;
      }
    }
    // A chain's message also carries the resent one's length: a varuint of up to 3 bytes (see SyncTag.chain).
    const resentBytes = resent === undefined ? 0 : resent.body.byteLength;
    const bytes =
      body.byteLength +
      (resentBytes === 0 ? 0 : resentBytes + (resentBytes < 128 ? 1 : resentBytes < 16_384 ? 2 : 3));
    return bytes > budget ? undefined : { body, baseAt, predictorAt, resent };
  }

  /**
   * Whether the client can be sent `sent` again: it is not a step (held already), and the client holds
   * exactly the frames it was written against (its own steps then, still steps now).
   */
  #resendable(sent: SentBody, at: number): boolean {
    if (at - sent.at > RESEND_WINDOW || sent.at < this.#sharedFrom) return false;
    const ats = this.#stepAts;
    if (ats.includes(sent.at)) return false;
    if (sent.baseAt !== undefined && !ats.includes(sent.baseAt)) return false;
    return sent.predictorAt === undefined || ats.includes(sent.predictorAt);
  }

  /**
   * A stalled client's snapshot: the header alone, nothing planned, nothing tracked. It applies (changing
   * nothing) and its ack ends the stall. Never complete: what the client lacks is not even looked at.
   * Entering a stall resyncs (unless the client's own request already did since its newest ack): the
   * records of the unacked snapshots, which no ack can name any more, are let go.
   */
  #encodeStalled(frame: WorldFrame): EncodedSnapshot {
    if (this.#resyncFrom === undefined || this.#resyncFrom <= this.#heardAt) this.resync();
    const at = this.#at;
    const seq = seqOf(at);
    const acked = this.#ackedRef(at);
    const bits = this.#headerBits(frame, acked) + varUintBits(0);
    const header = {
      seq,
      stream: this.#stream,
      tick: frame.tick,
      complete: false,
      acked,
      relativeModes: NONE,
    };
    const bytes = writeSnapshot(this.#registry, this.#cache, header, NONE, at, bits);
    this.#keepPending({
      at,
      frame: undefined,
      frameIndex: undefined,
      complete: false,
      ids: NONE,
      entities: NONE,
    });
    this.#at = at + 1;
    return {
      bytes,
      seq,
      tick: frame.tick,
      complete: false,
      sent: NONE,
      leftOut: 0,
      overBudget: NONE_OVER_BUDGET,
    };
  }

  /** The acked snapshot a per-client snapshot at `at` names, if one still can be. */
  #ackedRef(at: number): Acked | undefined {
    const ackedDistance = this.#ackedAt === undefined ? undefined : at - this.#ackedAt;
    return ackedDistance !== undefined && ackedDistance <= NEAR_BASELINE_WINDOW
      ? { at: at - ackedDistance, distance: ackedDistance }
      : undefined;
  }

  /** The size of a per-client snapshot's header, before its record count. */
  #headerBits(frame: WorldFrame, acked: Acked | undefined): number {
    return (
      FIXED_HEADER_BITS +
      varUintBits(frame.tick) +
      ackedRefBits(acked?.distance) +
      // Nothing acked: the types' fingerprint follows; else the (absent) predictor's bit.
      (acked === undefined ? FINGERPRINT_BITS : predictorRefBits(undefined)) +
      this.#registry.relativeTypeIds.length
    );
  }

  #encodeOwn(frame: WorldFrame, frameIndex: number | undefined, budget: number): EncodedSnapshot {
    const at = this.#at;
    const seq = seqOf(at);
    const candidates = this.#candidates(frame);
    const budgetBits = budget * 8;
    const acked = this.#ackedRef(at);
    const headerBits = this.#headerBits(frame, acked);
    // When everything fits (always, without a budget) the ranking cannot change what is sent: skip it.
    const plan = (id: number, entity: EntityRecord | undefined, relativeModes?: readonly boolean[]) =>
      this.#plan(frame, at, acked, relativeModes, id, entity);
    const planned = planAll(this.#registry, plan, candidates, headerBits, budgetBits);
    let chosen: Planned[];
    let bits: number;
    let relativeModes: readonly boolean[];
    let overBudget = NONE_OVER_BUDGET;
    if (planned.fits !== undefined) {
      ({ chosen, bits, relativeModes } = planned.fits);
      this.#priority.sentAll();
    } else {
      const registry = this.#registry;
      const fill = { registry, plan, planned: planned.planned, candidates, headerBits, budgetBits };
      ({ chosen, bits, relativeModes, overBudget } = fillByPriority(this.#priority, fill));
    }

    const complete = chosen.length === candidates.length;
    const header = { seq, stream: this.#stream, tick: frame.tick, complete, acked, relativeModes };
    const bytes = writeSnapshot(this.#registry, this.#cache, header, chosen, at, bits);
    const sent: SentSnapshot = {
      at,
      // Only shared mode needs the frame: it is where a complete snapshot, once acked, puts the client.
      frame: this.#shared === undefined || !complete ? undefined : frame,
      frameIndex,
      complete,
      ids: chosen.map((planned) => planned.id),
      entities: chosen.map((planned) => planned.entity),
    };
    trackSent(this.#tracked, sent);
    this.#keepPending(sent);
    this.#at = at + 1;
    return {
      bytes,
      seq,
      tick: frame.tick,
      complete,
      sent: sent.ids,
      leftOut: candidates.length - chosen.length,
      overBudget,
    };
  }

  /** Moves baselines to the newest acked states; an ack with `resync` set drops them all. */
  receiveAck(ack: SnapshotAck): void {
    // The newest count sent with that seq; an ack of a snapshot not sent yet (a forged one) is ignored.
    const newest =
      ack.newest === undefined || this.#at === this.#firstAt
        ? undefined
        : this.#at - 1 - seqDistance(seqOf(this.#at - 1), ack.newest);
    if (ack.resync) {
      // An older request, reordered behind the reset it caused, must not reset again. A request with no
      // seq (a client that holds nothing) cannot say when it was sent: after a reset, such requests are
      // the ones already in flight (one per snapshot the client could not apply) until the client acks a
      // snapshot sent since, and the reset already sends it everything in full. Heard again after that
      // ack: a client that starts over later holds nothing again.
      const asked =
        this.#resyncFrom === undefined ||
        (newest === undefined ? this.#ackedAt !== undefined : newest >= this.#resyncFrom);
      if (asked) {
        this.resync();
        return;
      }
    }
    // Before this encoder's first snapshot: an ack meant for an earlier encoder of this client.
    if (newest === undefined || newest < this.#firstAt) return;
    // Most acks repeat the one before (they ride on every input, 30/s, and snapshots go at 20/s). Taking
    // one again changes nothing: the snapshots it acks left `#pending` the first time, anything sent since
    // is newer than it, and the acked position only moves forward.
    const last = this.#lastAck;
    if (
      last !== undefined &&
      newest === this.#lastAckedCount &&
      ack.newest === last.newest &&
      ack.previous === last.previous &&
      !ack.resync
    )
      return;
    // The count is compared too: the same seq names another snapshot once the encoder has moved on far
    // enough (an ack of a seq not sent yet names one 65,536 back, then the one sent under it).
    this.#lastAck = ack;
    this.#lastAckedCount = newest;
    const current = this.#resyncFrom === undefined || newest >= this.#resyncFrom;
    // An ack of a snapshot sent since the last resync (an ack never names one not sent yet): not stalled.
    if (current && newest > this.#heardAt) this.#heardAt = newest;
    if (this.#inStep !== undefined) {
      // In shared mode only the newest ack matters: the client holds exactly that snapshot's frame.
      if (current && newest > this.#inStep.at) this.#stepTo(newest);
      if (current && this.#sentBodies !== undefined && this.#inStep !== undefined) {
        this.#stepsFromField(newest, ack.previous);
      }
      return;
    }
    const newestSent = this.#pending.get(newest);
    const applied = fieldBits(ack.previous);
    for (let back = ACK_FIELD_BITS; back >= 1; back--) {
      if (((applied >>> (back - 1)) & 1) === 1) this.#acked(newest - back);
    }
    this.#acked(newest);
    if (current && newest < this.#at && (this.#ackedAt === undefined || newest > this.#ackedAt)) {
      this.#ackedAt = newest;
      if (newestSent !== undefined) this.#enterSharedMode(newestSent);
    }
  }

  /**
   * Serves this client from another SharedSnapshots from the next snapshot on (its view of the world
   * changed: another group's frames). It leaves shared mode and is tracked per entity, as when a body does
   * not fit; it comes in step again once it acks a complete snapshot of the new one's frames.
   */
  shareWith(shared: SharedSnapshots): void {
    if (shared.registry !== this.#registry) {
      throw new RangeError('the SharedSnapshots must be made with the same entity registry');
    }
    if (shared === this.#shared) return;
    this.#leaveSharedMode();
    this.#sentBodies?.clear();
    this.#shared = shared;
    this.#sharedFrom = this.#at;
    // Frames of the old history can be neither a base nor a predictor of the new one's bodies.
    this.#stepAts.length = 0;
    this.#stepFrames.length = 0;
  }

  /**
   * Forgets every baseline and unacked snapshot: entities still known to the client are sent in full
   * until acked again. What the client may hold stays tracked, so removals still reach it.
   */
  resync(): void {
    this.#leaveSharedMode();
    for (const tracked of this.#tracked.values()) {
      tracked.baseline = undefined;
      tracked.sent = [];
      tracked.unknownUntil = undefined;
      tracked.held = undefined;
    }
    this.#pending.clear();
    this.#pendingFrom = this.#at;
    // A client asking for a resync may have started over: no copy it held before is relied on.
    this.#sentBodies?.clear();
    this.#stepAts.length = 0;
    this.#stepFrames.length = 0;
    this.#lastAck = undefined;
    this.#resyncFrom = this.#at;
    this.#ackedAt = undefined;
  }

  /**
   * Where in `#stepFrames` the frames a body for this client may predict from end (oldest first, so the
   * predictors are those before the index returned): the steps before the one it is in step at now, no
   * more than 64 snapshots before the one being sent (the decoder keeps its copies that far back) and no
   * more than MAX_STEPS in all (older steps are dropped here).
   */
  #predictorsEnd(at: number, inStepAt: number): number {
    const ats = this.#stepAts;
    let dropped = false;
    while (ats.length > MAX_STEPS || (ats.length > 0 && at - (ats[0] as number) > NEAR_BASELINE_WINDOW)) {
      ats.shift();
      this.#stepFrames.shift();
      dropped = true;
    }
    // A snapshot sent before the oldest step cannot be sent again: its base is no step.
    if (dropped && ats.length > 0) this.#sentBodies?.forgetBefore(ats[0] as number);
    // Steps are taken in ascending order, so the ones not older than the step in step at come last.
    let end = ats.length;
    while (end > 0 && (ats[end - 1] as number) >= inStepAt) end--;
    return end;
  }

  /**
   * With the `resend` option: shared snapshots the ack's field shows applied (a resent one filled in late,
   * or one whose own ack was lost) are frames the client holds exactly, steps like the newest acked one.
   * Only the field's bits of snapshots that are not steps yet are visited: nearly every applied snapshot
   * became a step when its own ack came, and walking all 32 counts to skip them was three quarters of
   * taking an ack in (about 750 instructions of 940 on the W2 arena).
   */
  #stepsFromField(newest: number, previous: number): void {
    const sentBodies = this.#sentBodies as SentBodies;
    const ats = this.#stepAts;
    let fresh = (fieldBits(previous) & ~stepBits(ats, newest) & RESEND_MASK) >>> 0;
    // Counts descend as `back` grows (lowest bit first), so one walk down the (ascending) steps finds each
    // one's place. The checks that end the walk hold for every count older than one they hold for.
    let index = ats.length;
    while (fresh !== 0) {
      const lowest = fresh & -fresh;
      fresh = (fresh ^ lowest) >>> 0;
      const at = newest - (32 - Math.clz32(lowest));
      if (this.#at - at > NEAR_BASELINE_WINDOW || at < this.#sharedFrom) return;
      // Older than every step of a full list: it would be dropped as a step at once (`#predictorsEnd`),
      // and it was let go from the sent ones already.
      if (ats.length >= MAX_STEPS && at < (ats[0] as number)) return;
      while (index > 0 && (ats[index - 1] as number) > at) index--;
      const sent = sentBodies.get(at);
      if (sent === undefined) continue;
      ats.splice(index, 0, at);
      this.#stepFrames.splice(index, 0, sent.frame);
    }
  }

  #enterStep(inStep: InStep): void {
    if (inStep.empty !== true) this.#shared?.heldExactly(inStep.index);
    this.#inStep = inStep;
    const ats = this.#stepAts;
    const newest = ats[ats.length - 1];
    if (newest === undefined || newest < inStep.at) {
      ats.push(inStep.at);
      this.#stepFrames.push(inStep.frame);
    }
  }

  /** After the ack of a complete snapshot: from now on the client is tracked by that snapshot's frame. */
  #enterSharedMode(acked: SentSnapshot): void {
    if (this.#shared === undefined || !this.#shareableBase(acked)) return;
    this.#tracked.clear();
    this.#enterStep({ at: acked.at, frame: acked.frame as WorldFrame, index: acked.frameIndex as number });
    this.#dropPendingThrough(acked.at);
  }

  /** In shared mode, the client acked a newer snapshot: it is in step there if it was complete. */
  #stepTo(at: number): void {
    const acked = this.#pending.get(at);
    if (this.#shareableBase(acked)) {
      this.#enterStep({ at, frame: acked.frame as WorldFrame, index: acked.frameIndex as number });
      this.#ackedAt = at;
      this.#dropPendingThrough(at);
      return;
    }
    // An incomplete snapshot (sent per-client before the client came in step): the client holds the frame
    // it is in step at, updated by some of what was sent since. Track it per entity from here.
    this.#leaveSharedMode();
    this.#acked(at);
    this.#ackedAt = at;
  }

  /**
   * A complete snapshot's frame can be the base of shared bodies when every snapshot sent after it is of
   * the same frame or a newer one: those are all the client may hold copies from.
   */
  #shareableBase(acked: SentSnapshot | undefined): acked is SentSnapshot {
    const index = acked?.frameIndex;
    if (
      acked === undefined ||
      !acked.complete ||
      acked.frame === undefined ||
      index === undefined ||
      acked.at < this.#sharedFrom
    )
      return false;
    // Only the snapshots sent after it: looked up by count (usually one or two), not iterated.
    for (let at = acked.at + 1; at < this.#at; at++) {
      const sent = this.#pending.get(at);
      if (sent !== undefined && (sent.frameIndex === undefined || sent.frameIndex < index)) return false;
    }
    return true;
  }

  /**
   * Back to per-entity tracking: every entity of the frame the client is in step at has that frame's codes
   * as its baseline (known held, but not from which snapshot: usable only as the implied baseline), and
   * every snapshot sent since may have been applied.
   */
  #leaveSharedMode(): void {
    const inStep = this.#inStep;
    if (inStep === undefined) return;
    this.#inStep = undefined;
    // What is sent next is planned per client: a shared snapshot before it is never sent again after it.
    this.#sentBodies?.clear();
    // In step at nothing: nothing held at a known snapshot, what was sent since may have been applied.
    this.#tracked = inStep.empty === true ? new Map() : trackInStep(inStep.frame, inStep.at);
    // Every snapshot still pending, in the order sent.
    for (let at = Math.max(this.#pendingFrom, this.#at - PENDING_SNAPSHOTS); at < this.#at; at++) {
      const sent = this.#pending.get(at);
      if (sent !== undefined) trackSent(this.#tracked, sent);
    }
    this.#ackedAt = inStep.empty === true ? undefined : inStep.at;
  }

  /** Keeps a snapshot until acked, and lets go of the frame of the one too far back to be a shared base. */
  #keepPending(sent: SentSnapshot): void {
    this.#pending.add(sent);
    const farBack = this.#pending.get(sent.at - NEAR_BASELINE_WINDOW - 1);
    if (farBack !== undefined) farBack.frame = undefined;
  }

  #dropPendingThrough(at: number): void {
    // Counts more than PENDING_SNAPSHOTS back were deleted as newer ones were sent.
    for (let sentAt = Math.max(this.#pendingFrom, this.#at - PENDING_SNAPSHOTS); sentAt <= at; sentAt++) {
      this.#pending.delete(sentAt);
    }
    if (at + 1 > this.#pendingFrom) this.#pendingFrom = at + 1;
  }

  /**
   * The entities with something to send. The list and its entries are reused from one snapshot to the
   * next (nothing keeps them past `encode`): a world larger than the budget has thousands waiting, for
   * every client, every snapshot.
   */
  #candidates(frame: WorldFrame): Candidate[] {
    const candidates = this.#candidateList;
    let count = 0;
    const add = (id: number, entity: EntityRecord | undefined) => {
      const reused = candidates[count];
      if (reused === undefined) candidates.push({ id, entity });
      else {
        reused.id = id;
        reused.entity = entity;
      }
      count++;
    };
    const tracked = this.#tracked;
    // How many tracked entities the frame holds: when all of them, none was removed, and the tracked ones
    // need no second pass (a Map lookup per entity) to find the removals.
    let found = 0;
    const consider = (id: number, entity: EntityRecord) => {
      const entry = tracked.get(id);
      if (entry !== undefined) found++;
      if (entry === undefined || entry.type !== entity.type || !isHeld(entry, entity.codes)) add(id, entity);
    };
    if (frame instanceof TableFrame) {
      // Its arrays, not `entities`: that Map is built on first use, and nothing else here needs it.
      const { ids, records } = frame;
      for (let index = 0; index < ids.length; index++) {
        consider(ids[index] as number, records[index] as EntityRecord);
      }
    } else {
      for (const [id, entity] of frame.entities) consider(id, entity);
    }
    if (found !== tracked.size) {
      for (const id of tracked.keys()) {
        if (!holds(frame, id)) add(id, undefined);
      }
    }
    // Entries past the count wait for a longer list, their entities let go.
    for (let index = count; index < this.#candidatesUsed; index++) {
      (candidates[index] as ReusedCandidate).entity = undefined;
    }
    this.#candidatesUsed = count;
    return candidates.slice(0, count);
  }

  #plan(
    frame: WorldFrame,
    at: number,
    acked: Acked | undefined,
    relativeModes: readonly boolean[] | undefined,
    id: number,
    entity: EntityRecord | undefined,
  ): Planned {
    if (entity === undefined) {
      // Asked again at each send: a removal sent again after the entity left the world says so.
      const kind = removalKind(frame, id);
      const head = kindBits(kind);
      return { id, kind, entity, changes: undefined, head, payload: undefined, baselineAt: 0, bits: head };
    }
    const tracked = this.#tracked.get(id);
    // After a removal the client may have applied, the entity is created again: sent in full.
    const baseline =
      tracked?.type === entity.type && tracked.removalSentAt === undefined ? tracked.baseline : undefined;
    if (tracked !== undefined && baseline !== undefined) {
      const distance = at - baseline.at;
      // A far baseline is only safe when it is the client's newest copy: nothing sent since.
      const usable =
        distance <= NEAR_BASELINE_WINDOW || (tracked.sent.length === 0 && tracked.unknownUntil === undefined);
      const kind = impliedBaseline(tracked, acked) ? RecordKind.delta : RecordKind.namedDelta;
      // A baseline known by its codes only (from shared mode) cannot be named.
      if (usable && distance > 0 && (kind === RecordKind.delta || baseline.exact)) {
        const changes = this.#cache.changes(entity.type, entity.codes, baseline.codes);
        const head = kindBits(kind) + (kind === RecordKind.delta ? 0 : baselineRefBits(distance));
        const baselineAt = baseline.at;
        const planned = { id, kind, entity, changes, head, payload: changes, baselineAt, bits: 0 };
        planned.bits = head + changes.bitLength;
        if (relativeModes !== undefined) choosePayload(planned, relativeModes, this.#registry);
        return planned;
      }
    }
    const payload = this.#cache.full(entity.type, entity.codes);
    const head = kindBits(RecordKind.full) + this.#registry.typeBits;
    const kind = RecordKind.full;
    return {
      id,
      kind,
      entity,
      changes: undefined,
      head,
      payload,
      baselineAt: 0,
      bits: head + payload.bitLength,
    };
  }

  #acked(at: number): void {
    const sent = this.#pending.get(at);
    if (sent === undefined) return;
    this.#pending.delete(at);
    trackAcked(this.#tracked, at, sent.ids);
  }
}

/** The bits of an ack's field within RESEND_WINDOW (all 32 of it). */
const RESEND_MASK = RESEND_WINDOW >= 32 ? 0xffffffff : 2 ** RESEND_WINDOW - 1;

/** The bits of an ack's field of earlier snapshots (see `SnapshotAck.previous`). */
const ACK_FIELD_BITS = 32;

/**
 * An ack's field of earlier snapshots as 32 bits (bit `back − 1` set: the snapshot `back` before the
 * newest acked one was applied). A field read from the wire is one already; any other number (an app's
 * own ack) is read bit by bit with arithmetic.
 */
function fieldBits(previous: number): number {
  if (previous >>> 0 === previous) return previous;
  let bits = 0;
  for (let back = 1; back <= ACK_FIELD_BITS; back++) {
    if (Math.floor(previous / 2 ** (back - 1)) % 2 === 1) bits |= 1 << (back - 1);
  }
  return bits >>> 0;
}

/**
 * Where `frame` last is among `frames` before index `end`, or -1: `lastIndexOf`, as a loop V8 inlines. The
 * builtin cost about 180 instructions a client a snapshot (callgrind, W2 at 60 Hz) on lists of at most
 * MAX_STEPS frames.
 */
function lastIndexBefore(frames: readonly WorldFrame[], frame: WorldFrame, end: number): number {
  for (let index = end - 1; index >= 0; index--) if (frames[index] === frame) return index;
  return -1;
}

/** The steps 1 to 32 snapshots before `newest`, as an ack's field names them (see `fieldBits`). */
function stepBits(ats: readonly number[], newest: number): number {
  let bits = 0;
  for (let index = ats.length - 1; index >= 0; index--) {
    const back = newest - (ats[index] as number);
    if (back > RESEND_WINDOW) break;
    if (back >= 1) bits |= 1 << (back - 1);
  }
  return bits;
}
