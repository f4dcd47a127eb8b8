import type { AnyEntityType } from '../entity.js';
import { type EntityCodes, sameCodes } from '../state-codes.js';
import type { EntityRecord, WorldFrame } from './entity-table.js';

/*
 * What a per-client encoder knows of one client, entity by entity. Inside the encoder snapshots are
 * counted without wrapping (`at`); the wire carries `at % 65536`.
 */

/** Unacked records kept per entity; past it the client's copy of the entity counts as unknown. */
const MAX_UNACKED_RECORDS = 64;

export interface SentRecord {
  readonly at: number;
  /** null: a removal. */
  readonly codes: EntityCodes | null;
}

/** The newest state the client acked of an entity: each entry's own, moved forward in place on an ack. */
export interface Baseline {
  at: number;
  codes: EntityCodes;
  /**
   * False when the client holds these codes as of snapshot `at` but may have got them in an earlier one
   * (a baseline taken over from shared mode): a delta may take it as the implied baseline, never name it.
   */
  exact: boolean;
}

/** What this client holds of one entity, as far as the server knows. */
export interface Tracked {
  readonly type: AnyEntityType;
  baseline: Baseline | undefined;
  /** Records sent after the baseline, oldest first: the client may hold any of them. */
  sent: SentRecord[];
  /** Records newer than the baseline were dropped unacked up to this one: the client's copy is unknown. */
  unknownUntil: number | undefined;
  /**
   * The newest removal sent and not yet followed by an acked state (an entity that left the client's
   * view and came back): the client may have dropped the entity, so it is sent in full, not as a delta.
   */
  removalSentAt: number | undefined;
  /**
   * The codes `isHeld` last found every copy equal to, until a record is sent, acked or dropped: while the
   * frame's codes are the same array, the entity is still held without comparing them again (a world
   * larger than the budget asks this of every entity, for every client, every snapshot).
   */
  held: EntityCodes | undefined;
}

/** One snapshot sent and not yet known acked. */
export interface SentSnapshot {
  readonly at: number;
  /**
   * The frame it was encoded from (only complete snapshots with shared encoding), and its shared history
   * index. The frame is let go once NEAR_BASELINE_WINDOW snapshots were sent after it: a shared body cannot
   * name a base that far back, and a client that does not ack would keep a whole world per snapshot alive.
   */
  frame: WorldFrame | undefined;
  readonly frameIndex: number | undefined;
  readonly complete: boolean;
  /** Ids in it, ascending, and their records (undefined: a removal). */
  readonly ids: readonly number[];
  readonly entities: readonly (EntityRecord | undefined)[];
}

/** The newest snapshot the client acked, when the header can name it: deltas against it need no reference. */
export interface Acked {
  readonly at: number;
  readonly distance: number;
}

/**
 * The tracking of a client in step at `frame` (snapshot `at`): it holds exactly that frame, every entity
 * as of `at`, but not known from which snapshot (so the baselines are not `exact`).
 */
export function trackInStep(frame: WorldFrame, at: number): Map<number, Tracked> {
  const tracked = new Map<number, Tracked>();
  for (const [id, record] of frame.entities) {
    const baseline = { at, codes: record.codes, exact: false };
    tracked.set(id, {
      type: record.type,
      baseline,
      sent: [],
      unknownUntil: undefined,
      removalSentAt: undefined,
      held: undefined,
    });
  }
  return tracked;
}

/** Notes every record of a sent snapshot: the client may now hold it. */
export function trackSent(tracked: Map<number, Tracked>, snapshot: SentSnapshot): void {
  const { at, ids, entities } = snapshot;
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as number;
    const entity = entities[index];
    let entry = tracked.get(id);
    if (entity !== undefined && (entry === undefined || entry.type !== entity.type)) {
      entry = {
        type: entity.type,
        baseline: undefined,
        sent: [],
        unknownUntil: undefined,
        removalSentAt: undefined,
        held: undefined,
      };
      tracked.set(id, entry);
    }
    if (entry === undefined) continue;
    entry.held = undefined;
    if (entity === undefined) entry.removalSentAt = at;
    entry.sent.push({ at, codes: entity?.codes ?? null });
    if (entry.sent.length > MAX_UNACKED_RECORDS) {
      const dropped = entry.sent.shift() as SentRecord;
      entry.unknownUntil = dropped.at;
    }
  }
}

/**
 * Moves the baselines of the entities in an acked snapshot to what it carried. An acked removal forgets
 * the entity, unless it was sent again since (it came back into the client's view): then the client
 * holds none of it as of that snapshot, and may hold what was sent after.
 */
export function trackAcked(tracked: Map<number, Tracked>, at: number, ids: readonly number[]): void {
  for (const id of ids) {
    const entry = tracked.get(id);
    if (entry === undefined) continue;
    // `sent` is in ascending `at` order, one record per snapshot.
    const sent = entry.sent;
    let found = -1;
    for (let index = 0; index < sent.length; index++) {
      const sentAt = (sent[index] as SentRecord).at;
      if (sentAt === at) found = index;
      if (sentAt >= at) break;
    }
    if (found < 0) continue;
    const record = sent[found] as SentRecord;
    if (entry.baseline !== undefined && at <= entry.baseline.at) continue;
    entry.held = undefined;
    if (record.codes === null) {
      if (onlyRemovalsAfter(sent, found)) {
        tracked.delete(id);
        continue;
      }
      entry.baseline = undefined;
      dropThrough(sent, found);
      continue;
    }
    // In place: a new object per acked entity was most of what taking an ack in allocated.
    const baseline = entry.baseline;
    if (baseline === undefined) entry.baseline = { at, codes: record.codes, exact: true };
    else {
      baseline.at = at;
      baseline.codes = record.codes;
      baseline.exact = true;
    }
    dropThrough(sent, found);
    if (entry.unknownUntil !== undefined && entry.unknownUntil <= at) entry.unknownUntil = undefined;
    if (entry.removalSentAt !== undefined && entry.removalSentAt < at) entry.removalSentAt = undefined;
  }
}

/** Drops the records up to `index` in place (`splice` made an array of them, for every record acked). */
function dropThrough(sent: SentRecord[], index: number): void {
  const kept = sent.length - index - 1;
  for (let to = 0; to < kept; to++) sent[to] = sent[to + index + 1] as SentRecord;
  sent.length = kept;
}

/** True when every record after `index` is a removal too. */
function onlyRemovalsAfter(sent: readonly SentRecord[], index: number): boolean {
  for (let after = index + 1; after < sent.length; after++) {
    if ((sent[after] as SentRecord).codes !== null) return false;
  }
  return true;
}

/**
 * True when the client takes the baseline without being told: it is the newest copy the client holds from
 * snapshots up to the acked one. Every snapshot in the 32 before that ack is known received or lost
 * (and a lost one can no longer arrive: the client drops snapshots older than its newest), but a record
 * sent earlier and never acked may be held, so any unacked record up to the acked snapshot rules it out.
 */
export function impliedBaseline(entry: Tracked, acked: Acked | undefined): boolean {
  if (acked === undefined || entry.unknownUntil !== undefined) return false;
  const baseline = entry.baseline;
  if (baseline === undefined || baseline.at > acked.at) return false;
  const oldestUnacked = entry.sent[0];
  return oldestUnacked === undefined || oldestUnacked.at > acked.at;
}

/** True when every copy of the entity the client may hold equals `codes`: nothing to send. */
export function isHeld(entry: Tracked, codes: EntityCodes): boolean {
  if (entry.held === codes) return true;
  if (entry.baseline === undefined || entry.unknownUntil !== undefined) return false;
  if (!sameCodes(entry.type, entry.baseline.codes, codes)) return false;
  const sent = entry.sent;
  for (let index = 0; index < sent.length; index++) {
    const other = (sent[index] as SentRecord).codes;
    if (other === null || !sameCodes(entry.type, other, codes)) return false;
  }
  entry.held = codes;
  return true;
}
