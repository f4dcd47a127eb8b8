import { deflateSync } from 'fflate';
import {
  ACK_BYTES,
  type AnyEntityType,
  ackEndOf,
  ackStartOf,
  chainPayload,
  decodeAckIn,
  decodeSyncFrame,
  type EncodedSnapshot,
  EncodingCache,
  type EntityRegistry,
  EntityTable,
  encodeTaggedFrame,
  entityRegistry,
  frameView,
  type OverBudget,
  PriorityAccumulator,
  SEQ_MODULO,
  type SharedSnapshotStats,
  SharedSnapshots,
  type SnapshotAck,
  SnapshotEncoder,
  type SyncFrame,
  SyncTag,
  streamOf,
} from '../../sync/index.js';
import { Channel, deviceClassOf } from '../../transport/core.js';
import type { RoomClient } from '../rooms/room-client.js';
import { ThrottledFailures } from '../throttled-failures.js';
import { AdaptiveRate } from './adaptive-rate.js';
import { DeflateTries } from './deflate-tries.js';
import { checkFunctionOptions } from './function-options.js';
import { guardCallbacks, type SyncCallbacks } from './guarded-callbacks.js';
import { memberName } from './member-name.js';
import { FlushRate, RateMemory } from './rate-memory.js';
import {
  MAX_SNAPSHOT_BUDGET_BYTES,
  type RoomSyncOptions,
  type SyncedRoom,
  type SyncMember,
} from './room-sync-options.js';
import type { RoomSyncStats } from './room-sync-stats.js';
import { typesMismatchWarning } from './types-mismatch.js';
import { unwiredAcksWarning } from './unwired-acks.js';

/** Whether a snapshot can name this membership: a stream holds it in 8 bits (see streamOf). */
function membershipFits(membership: number): boolean {
  return Number.isInteger(membership) && membership >= 0 && membership <= 255;
}

/** A rate (as a period) and a budget for a player who is not a member yet. */
interface JoiningSettings {
  periodMs: number;
  budgetBytes: number;
}

/** Members who see the world alike, and the view of the newest frame they were sent. */
interface ViewGroup {
  readonly key: unknown;
  /** Bodies shared by the group's members: its history is of this group's views alone. */
  readonly shared: SharedSnapshots;
  /** The world frame `view` was made from. */
  viewOf: ReturnType<EntityTable['frame']> | undefined;
  view: ReturnType<EntityTable['frame']> | undefined;
  members: number;
}

interface Member {
  readonly encoder: SnapshotEncoder;
  /** The player's seating when the member was made: the stream of every snapshot names it. */
  readonly membership: number;
  /** With `visible`: the view this member is served from. */
  view: ViewGroup | undefined;
  periodMs: number;
  budgetBytes: number;
  nextAt: number;
  adaptive: AdaptiveRate | undefined;
  nextAdaptAt: number;
  /** The rates this member was sent at lately, for `lowestRateHz`. */
  readonly rates: RateMemory;
  /**
   * The bytes of the newest ack received (the first `lastAckLength`; 0: none yet), copied into this
   * member's own buffer, and what they decoded to.
   */
  readonly lastAckBytes: Uint8Array;
  lastAckLength: number;
  lastAck: SnapshotAck | undefined;
  /** Whether this member's snapshots are worth deflating lately. */
  readonly deflateTries: DeflateTries;
  /**
   * Its client said it cannot read this room's snapshots, its entity types being others (`typesDiffer`):
   * it is sent none until it leaves.
   */
  typesDiffer: boolean;
}

/**
 * Where the ack starts in `frame` when it is an `ack` or `ackApp` sync frame carrying exactly the first
 * `length` bytes of `ack`; 0 when it is not.
 */
function repeatedAckAt(frame: Uint8Array, ack: Uint8Array, length: number): number {
  const tag = frame[0];
  let start: number;
  if (tag === SyncTag.ackApp && frame[1] === length && frame.length >= 2 + length) start = 2;
  else if (tag === SyncTag.ack && frame.length === 1 + length) start = 1;
  else return 0;
  for (let index = 0; index < length; index++) {
    if (frame[start + index] !== ack[index]) return 0;
  }
  return start;
}

/** Epochs run 0..255 and wrap (see `epochOf`). */
const EPOCHS = 256;

/** The epoch of the newest RoomSync made for each room. */
const epochs = new WeakMap<object, number>();

/** Adaptive rates are re-read this often per member (ms): quality moves at keepalive pace anyway. */
const ADAPT_EVERY_MS = 250;

const DEFAULT_RATE_HZ = 20;
const DEFAULT_BUDGET_BYTES = 1200;
const DEFAULT_DEFLATE_ABOVE_BYTES = 512;
/** Bytes above an entity's need that a budget raised for it gets (see `#overBudget`). */
const RAISED_BUDGET_SLACK_BYTES = 16;

/**
 * State sync for one room: the room's entities (`world`), one snapshot encoder per member sharing one
 * encoding cache and one set of shared snapshot bodies (members in step at the same frame cost one
 * encode), each member served at its own rate and byte budget on its link's `phys` channel.
 * The room calls `flush(tick)` after each simulation step and passes its `onLinkMessage` calls through
 * `receive`, which takes the acks and hands back the app's own bytes. Members are followed from
 * `room.clients`: an encoder is made for a newcomer and dropped for a member who left. Rates and budgets
 * set for a player still joining (in `onJoin`, before they are in `room.clients`) wait for them.
 */
export class RoomSync<
  M extends SyncMember = RoomClient,
  const Types extends readonly AnyEntityType[] = readonly AnyEntityType[],
> {
  /** The room's synced entities: spawn, update and remove them here. Only `types` can be spawned. */
  readonly world: EntityTable<Types[number]>;
  readonly registry: EntityRegistry;
  readonly #room: SyncedRoom<M>;
  readonly #cache = new EncodingCache();
  /** Members in step at the same frame share one encode of their snapshot. */
  readonly #shared: SharedSnapshots;
  readonly #members = new Map<M, Member>();
  /**
   * Rates and budgets set for players who are not members yet: `onJoin` runs before the player is in
   * `room.clients`, and may await. Taken when the player becomes a member; weakly held, so a player whose
   * join failed (never listed) takes theirs with them.
   */
  readonly #joining = new WeakMap<M, JoiningSettings>();
  /** With `visible`: the views by `viewGroup` key (a member itself by default). */
  readonly #views = new Map<unknown, ViewGroup>();
  /** Shared encoding counts of views no one is in any more. */
  readonly #retiredSharedStats = { bodies: 0, reused: 0, predicted: 0 };
  readonly #options: RoomSyncOptions<M, Types>;
  /** This RoomSync's number among the room's (see `epochOf`), named in every snapshot with the membership. */
  readonly #epoch: number;
  readonly #defaultPeriodMs: number;
  readonly #defaultBudget: number;
  readonly #deflateAbove: number;
  readonly #encodeOptions = { budgetBytes: 0 };
  /** The newest tick flushed (-1: none yet). */
  #newestTick = -1;
  /** How often `flush` is called: no member is sent snapshots faster. */
  readonly #flushRate = new FlushRate();
  readonly #stats = {
    snapshotsSent: 0,
    bytesSent: 0,
    deflateChosen: 0,
    deflateNotChosen: 0,
    deflateSkipped: 0,
    chains: 0,
    acksReceived: 0,
    badFrames: 0,
    snapshotsRefused: 0,
    snapshotsStalled: 0,
    snapshotsOverBudget: 0,
    typesMismatched: 0,
  };
  /** Snapshots not written (a fault of this library: every app callback is guarded). */
  readonly #failures: ThrottledFailures;
  /** App callbacks that threw or returned what they must not, replaced for that call. */
  readonly #callbackFailures: ThrottledFailures;
  /** The app's callbacks, guarded (see guardCallbacks). */
  readonly #callbacks: SyncCallbacks<M>;
  /** Entity types already named on the console for not fitting a member's budget. */
  readonly #overBudgetTypes = new Set<string>();
  /** `receive` was called: the room passes its link messages on (else a stall is said, see below). */
  #receiveCalled = false;
  /** The console was told that members stall with `receive` never called. */
  #unwiredToldOnce = false;
  /** Fingerprints of clients' other entity types the console was told of (see `#typesDiffer`). */
  readonly #typesToldOf = new Set<number>();

  constructor(room: SyncedRoom<M>, options: RoomSyncOptions<M, Types>) {
    checkFunctionOptions(options);
    this.registry = entityRegistry(options.types);
    this.world = new EntityTable<Types[number]>({ types: options.types });
    this.#shared = new SharedSnapshots(this.registry, { cache: this.#cache });
    this.#failures = new ThrottledFailures(options.metrics, 'sync_snapshot_errors_total');
    this.#callbackFailures = new ThrottledFailures(options.metrics, 'sync_callback_errors_total');
    this.#callbacks = guardCallbacks<M>(options, (callback, describe) =>
      this.#callbackFailures.report(this.#room.clock.now(), describe, { callback }),
    );
    this.#room = room;
    this.#options = options;
    // A room that replaces its RoomSync (a new round) starts a new stream for every member: their clients
    // start over from it rather than take its snapshots for the old one's.
    this.#epoch = ((epochs.get(room) ?? -1) + 1) % EPOCHS;
    epochs.set(room, this.#epoch);
    this.#defaultPeriodMs = periodOf(options.rateHz ?? DEFAULT_RATE_HZ);
    this.#defaultBudget = this.#checkBudget(options.budgetBytes ?? DEFAULT_BUDGET_BYTES);
    this.#deflateAbove = options.deflateAboveBytes ?? DEFAULT_DEFLATE_ABOVE_BYTES;
    if (!(this.#deflateAbove >= 0)) {
      throw new RangeError(`deflateAboveBytes must be ≥ 0, got ${this.#deflateAbove}`);
    }
    // Each member's controller is made when it joins: one made now refuses bad options here, where they
    // once threw from every flush from the first join on.
    if (options.adaptive) this.#adaptiveFor(1000 / this.#defaultPeriodMs, this.#defaultBudget);
  }

  stats(): RoomSyncStats {
    // A room may read its stats every tick: `Object.assign`, as each property after a spread
    // (`{ ...this.#stats, callbackErrors, ... }`) costs about 1 µs on Node 20.
    return Object.assign({}, this.#stats, {
      callbackErrors: this.#callbackFailures.total,
      snapshotsFailed: this.#failures.total,
      members: this.#members.size,
    });
  }

  /** The encodings served from the shared cache, and computed. */
  get cacheStats(): { readonly hits: number; readonly misses: number } {
    return this.#cache.stats;
  }

  /** Snapshot bodies encoded, and snapshots served from a body shared with another member. */
  get sharedStats(): SharedSnapshotStats {
    const total = { ...this.#retiredSharedStats };
    for (const shared of [this.#shared, ...[...this.#views.values()].map((group) => group.shared)]) {
      const stats = shared.stats;
      total.bodies += stats.bodies;
      total.reused += stats.reused;
      total.predicted += stats.predicted;
    }
    return total;
  }

  /**
   * Snapshots per second to this member (1..120); it takes effect from their next snapshot. With
   * `adaptive` on, the ceiling of their rate. For a player who is not a member yet (the room is still
   * deciding on their join, in `onJoin`), kept until they are: their snapshots start at it.
   */
  setRate(client: M, rateHz: number): void {
    const periodMs = periodOf(rateHz);
    const member = this.#listedMember(client);
    if (member === undefined) {
      this.#joiningSettings(client).periodMs = periodMs;
      return;
    }
    member.periodMs = periodMs;
    if (member.adaptive) {
      member.adaptive = this.#adaptiveFor(rateHz, member.budgetBytes).continueFrom(member.adaptive);
    }
    member.rates.set(this.#settingOf(client).rateHz, this.#room.clock.now());
  }

  /**
   * Bytes of one snapshot to this member (before deflate); sized above the largest full entity state.
   * With `adaptive` on, the ceiling of their budget. Kept for a player still joining, as `setRate` is.
   */
  setBudget(client: M, budgetBytes: number): void {
    const checked = this.#checkBudget(budgetBytes);
    const member = this.#listedMember(client);
    if (member === undefined) {
      this.#joiningSettings(client).budgetBytes = checked;
      return;
    }
    member.budgetBytes = checked;
    if (member.adaptive) {
      const ceilingHz = 1000 / member.periodMs;
      member.adaptive = this.#adaptiveFor(ceilingHz, budgetBytes).continueFrom(member.adaptive);
    }
    member.rates.set(this.#settingOf(client).rateHz, this.#room.clock.now());
  }

  /**
   * This member's snapshot rate (Hz) and budget now, as snapshots go out: the rate set (`rateHz`,
   * `setRate`; the adaptive one when `adaptive` is on), or the rate the room calls `flush` at when that
   * is lower (measured over each second of the room's clock; a member is sent at most one snapshot per
   * flush). For a player still joining, what their snapshots will start at.
   */
  rateOf(client: M): { rateHz: number; budgetBytes: number } {
    const setting = this.#settingOf(client);
    const flushHz = this.#flushRate.rates.rateHz;
    return setting.rateHz <= flushHz ? setting : { rateHz: flushHz, budgetBytes: setting.budgetBytes };
  }

  /** The rate and budget set for this member (by the room, `setRate`, `setBudget`, adaptive rates). */
  #settingOf(client: M): { rateHz: number; budgetBytes: number } {
    const member = this.#members.get(client);
    const setting = member === undefined ? this.#settingsOf(client) : member;
    return member?.adaptive?.current ?? { rateHz: 1000 / setting.periodMs, budgetBytes: setting.budgetBytes };
  }

  /**
   * The lowest snapshot rate (Hz) this member was sent at from `since` on (ms, the room's clock; 30 s are
   * remembered), as `rateOf` reports it: the lower of the lowest rate set for it (adaptive rates,
   * `setRate`) and the lowest rate the room flushed at (measured over each second) in that time. For a
   * server that checks what the member's client claims about its interpolation delay, which follows the
   * rate slowly. Not the gaps of a stall within a second: see the game's `longestSnapshotGapMs`.
   */
  lowestRateHz(client: M, since: number): number {
    const member = this.#members.get(client);
    const set =
      member === undefined ? 1000 / this.#settingsOf(client).periodMs : member.rates.lowestSince(since);
    return Math.min(set, this.#flushRate.rates.lowestSince(since));
  }

  /** Forgets what this member holds: full states until they ack again (e.g. from `onResume`). */
  resync(client: M): void {
    this.#members.get(client)?.encoder.resync();
  }

  /**
   * Sends a snapshot of the world at `tick` to every member it is due for (by their rate), skipping
   * members who are away. Call it after each simulation step. Returns the members a snapshot went to: not
   * those whose link refused it (closed, or its queue full) nor those whose snapshot failed.
   */
  flush(tick: number): M[] {
    // Checked before any member is touched: a snapshot of an older world cannot be written against
    // what the clients hold, and every encoder would refuse it.
    if (!(Number.isSafeInteger(tick) && tick >= 0)) {
      throw new RangeError(`flush(tick): the tick must be a safe integer ≥ 0, got ${tick}`);
    }
    if (tick < this.#newestTick) {
      throw new RangeError(
        `flush(tick): ticks must not go back (tick ${tick} after ${this.#newestTick}); keep one counter ` +
          'for the life of the room, across rounds',
      );
    }
    this.#newestTick = tick;
    const clients = this.#room.clients;
    this.#forgetLeavers(clients);
    const now = this.#room.clock.now();
    this.#flushRate.flushed(now);
    const sent: M[] = [];
    let frame: ReturnType<EntityTable['frame']> | undefined;
    for (const client of clients) {
      if (client.away) continue;
      const membership = client.membership ?? 0;
      if (!membershipFits(membership)) {
        this.#unnumbered(client, membership);
        continue;
      }
      let member = this.#member(client);
      // Made before the player's seat was numbered (setRate or setBudget from stateFor, which runs with the
      // player listed): its snapshots named the old number, which the player's client drops as another
      // room's, for as long as it stays.
      if (member.membership !== membership) member = this.#renumbered(client, member);
      if (member.typesDiffer) continue;
      if (member.adaptive && now >= member.nextAdaptAt) this.#adapt(client, member, now);
      // A quarter period of slack, so a timer firing a little early does not halve the rate.
      const periodMs = member.adaptive ? 1000 / member.adaptive.current.rateHz : member.periodMs;
      // A clock that stepped back (a custom Clock on the wall time) must not hold the member for the step.
      // Only past the slack: a send up to a quarter period early leaves the next one that much more than
      // a period away, and taking that for a step back sent again at once (low rates came out doubled).
      if (member.nextAt - now > periodMs * 1.25) member.nextAt = now;
      if (now + periodMs / 4 < member.nextAt) continue;
      // On a fixed grid, so the rate does not drift; after a stall (or the first send) a new grid from now,
      // rather than a burst to catch up.
      const next = member.nextAt + periodMs;
      member.nextAt = next >= now ? next : now + periodMs;
      frame ??= this.world.frame(tick);
      if (this.#snapshotFor(client, member, frame)) sent.push(client);
    }
    return sent;
  }

  /**
   * A member whose membership no snapshot can name (an app's own SyncMember's, outside 0..255): it gets
   * none until it has one, and the room's other members theirs. Thrown, it stopped every member's.
   */
  #unnumbered(client: M, membership: number): void {
    this.#failures.report(this.#room.clock.now(), () => ({
      what: `${memberName(client)} has membership ${membership}, not an integer in 0..255; it gets no snapshots`,
      error: new RangeError(`membership must be an integer in 0..255, got ${membership}`),
    }));
  }

  /**
   * Writes and sends one member's snapshot; false when the encoder failed or the snapshot was not taken
   * (see `#handOver`). The app's callbacks cannot
   * fail here (they are guarded); anything else that throws is this library's fault, caught so that it
   * costs one member one snapshot (as if lost), not the members after it theirs.
   */
  #snapshotFor(client: M, member: Member, frame: ReturnType<EntityTable['frame']>): boolean {
    // One options object for every encode (the encoder reads it and keeps nothing of it).
    const options = this.#encodeOptions;
    options.budgetBytes = member.adaptive?.current.budgetBytes ?? member.budgetBytes;
    const stalled = member.encoder.stalled;
    let snapshot: EncodedSnapshot;
    try {
      const seen = this.#options.visible === undefined ? frame : this.#viewFor(client, member, frame);
      snapshot = member.encoder.encode(seen, options);
    } catch (error) {
      this.#failures.report(this.#room.clock.now(), () => ({
        what: `could not write a snapshot for ${memberName(client)}; it gets the next one`,
        error,
      }));
      return false;
    }
    if (snapshot.overBudget.length > 0) this.#overBudget(member, snapshot.overBudget, options.budgetBytes);
    if (stalled) {
      this.#stats.snapshotsStalled++;
      this.#options.metrics?.count('sync_snapshots_stalled_total');
      if (!this.#receiveCalled && !this.#unwiredToldOnce) {
        this.#unwiredToldOnce = true;
        console.warn(unwiredAcksWarning(this.#room, client));
      }
    }
    return this.#sendSnapshot(client, member, snapshot.bytes, snapshot.resent);
  }

  /**
   * Pass every `onLinkMessage` call of the room through here. Acks on `phys` go to the member's encoder;
   * what comes back is the app's own bytes (an input, with the sync frame removed), or undefined when
   * there are none (an ack-only message, a malformed frame). Other channels pass through untouched.
   */
  receive(client: M, channel: Channel, bytes: Uint8Array): Uint8Array | undefined {
    this.#receiveCalled = true;
    if (channel !== Channel.phys) return bytes;
    // Most inputs carry the same ack bytes as the one before: those are not decoded again (decoding is a
    // pure function of the bytes, and they were checked the first time).
    const member = this.#members.get(client);
    const last = member?.lastAck;
    if (member !== undefined && last !== undefined) {
      const length = member.lastAckLength;
      const start = repeatedAckAt(bytes, member.lastAckBytes, length);
      if (start > 0) {
        this.#stats.acksReceived++;
        member.encoder.receiveAck(last);
        return bytes[0] === SyncTag.ack ? undefined : bytes.subarray(start + length);
      }
    }
    // A new ack (most inputs: snapshots go at 20/s, inputs at 30/s), read in place.
    const start = ackStartOf(bytes);
    if (start > 0) {
      // Only a player in `room.clients` gets a member: one made for anyone else (still joining, or gone)
      // went at the next flush, and took with it the rate and budget set during their join.
      const acking = member ?? this.#listedMember(client);
      if (acking !== undefined) return this.#receiveAck(acking, bytes, start);
    }
    // Below: anything but an ack, or an ack from a player with no member (not listed, or a membership
    // no snapshot can name: see `#unnumbered`), whose app bytes still go to the room.
    let frame: SyncFrame;
    try {
      frame = decodeSyncFrame(bytes);
    } catch {
      this.#badFrame();
      return undefined;
    }
    if (frame.kind === 'typesDiffer') {
      this.#typesDiffer(client, member ?? this.#listedMember(client), frame.server, frame.client);
      return undefined;
    }
    // Only the server sends snapshots.
    if (frame.kind === 'snapshot') this.#badFrame();
    return frame.kind === 'snapshot' ? undefined : frame.payload;
  }

  /**
   * The member's client cannot read this room's snapshots: its entity types are not the room's (a page
   * from before a deploy). Resyncs cannot help, so it is sent no more snapshots (which cost its link and
   * this server a full state each), counted, and named on the console. The client says which server
   * types it read: a frame about another RoomSync's snapshots (this room's before a new round) is not
   * about this one's and changes nothing; one whose two fingerprints agree contradicts itself (a bad frame).
   */
  #typesDiffer(client: M, member: Member | undefined, server: number, clientTypes: number): void {
    if (server === clientTypes) {
      this.#badFrame();
      return;
    }
    if (member === undefined || member.typesDiffer || server !== this.registry.fingerprint) return;
    member.typesDiffer = true;
    this.#stats.typesMismatched++;
    this.#options.metrics?.count('sync_types_mismatch_total');
    if (this.#typesToldOf.has(clientTypes)) return;
    this.#typesToldOf.add(clientTypes);
    console.warn(typesMismatchWarning(this.#room, client, server, clientTypes));
  }

  #receiveAck(member: Member, bytes: Uint8Array, start: number): Uint8Array | undefined {
    let end: number;
    let ack: SnapshotAck;
    try {
      end = ackEndOf(bytes);
      ack = decodeAckIn(bytes, start, end);
    } catch {
      this.#badFrame();
      return undefined;
    }
    this.#stats.acksReceived++;
    member.encoder.receiveAck(ack);
    member.lastAck = ack;
    member.lastAckLength = end - start;
    // Acks are at most ACK_BYTES long (decodeAckIn refuses others): the buffer holds every one. Copied
    // by hand: a view for `set` cost more than the seven bytes.
    const kept = member.lastAckBytes;
    for (let index = start; index < end; index++) kept[index - start] = bytes[index] as number;
    return bytes[0] === SyncTag.ackApp ? bytes.subarray(end) : undefined;
  }

  /** The member's view of `frame`: its group's, made once per frame; the member moved there if it changed. */
  #viewFor(
    client: M,
    member: Member,
    frame: ReturnType<EntityTable['frame']>,
  ): ReturnType<EntityTable['frame']> {
    const key = this.#callbacks.viewGroup?.(client) ?? client;
    let group = member.view;
    // Looked up rather than compared, so that a NaN key finds its group as the Map does.
    if (group === undefined || this.#views.get(key) !== group) {
      const found = this.#views.get(key);
      if (found === undefined) {
        group = {
          key,
          shared: new SharedSnapshots(this.registry, { cache: this.#cache }),
          viewOf: undefined,
          view: undefined,
          members: 0,
        };
        this.#views.set(key, group);
      } else group = found;
      if (member.view !== undefined) this.#leaveView(member.view);
      member.encoder.shareWith(group.shared);
      member.view = group;
      group.members++;
    }
    if (group.viewOf !== frame || group.view === undefined) {
      const visible = this.#callbacks.visible as NonNullable<RoomSyncOptions<M>['visible']>;
      group.view = frameView(frame, (id, entity) => visible(client, id, entity));
      group.viewOf = frame;
    }
    return group.view;
  }

  #leaveView(group: ViewGroup): void {
    group.members--;
    if (group.members > 0) return;
    this.#views.delete(group.key);
    const stats = group.shared.stats;
    this.#retiredSharedStats.bodies += stats.bodies;
    this.#retiredSharedStats.reused += stats.reused;
    this.#retiredSharedStats.predicted += stats.predicted;
  }

  /**
   * A snapshot that left out entities no snapshot within the member's budget can carry. Where adaptive
   * rates had backed the budget off below an entity's size, the budget is raised to carry it (up to the
   * ceiling) from the next snapshot: nothing to fix. An entity over the ceiling (`budgetBytes`,
   * `setBudget`) is a setting to fix: the snapshot is counted, and the first of each type is named on
   * the console (once per room).
   */
  #overBudget(member: Member, over: readonly OverBudget[], budgetBytes: number): void {
    const ceiling = member.adaptive?.maxBudgetBytes ?? budgetBytes;
    let needed = 0;
    let overCeiling = false;
    for (const { bytes } of over) {
      if (bytes > ceiling) overCeiling = true;
      else if (bytes > needed) needed = bytes;
    }
    // With room for a header a little larger than this snapshot's (more acked ranges): otherwise the
    // next could miss it by a byte.
    if (needed > 0) member.adaptive?.raiseBudget(Math.min(ceiling, needed + RAISED_BUDGET_SLACK_BYTES));
    if (!overCeiling) return;
    this.#stats.snapshotsOverBudget++;
    this.#options.metrics?.count('sync_snapshots_over_budget_total');
    for (const { id, bytes, type: entityType } of over) {
      if (bytes <= ceiling) continue;
      const type = entityType?.name;
      if (type === undefined || this.#overBudgetTypes.has(type)) continue;
      this.#overBudgetTypes.add(type);
      console.warn(
        `vehikill-net: a ${type} entity (id ${id}) needs ${bytes} bytes in a snapshot, more than a member's ` +
          `budget of ${ceiling} bytes: ` +
          (bytes > MAX_SNAPSHOT_BUDGET_BYTES
            ? `no budget can carry it (the most is ${MAX_SNAPSHOT_BUDGET_BYTES}): it reaches no member until ` +
              'its state is smaller (send large text as a reliable room message)'
            : "that member gets it only once its budget is raised (budgetBytes, setBudget) or the entity's " +
              'state is smaller'),
      );
    }
  }

  #badFrame(): void {
    this.#stats.badFrames++;
    this.#options.metrics?.count('sync_bad_frames_total');
  }

  /**
   * Deflates when the snapshot is big enough to be worth a try and the member's recent tries paid, and
   * sends the smaller after its tag: as one sync frame (`encodeSnapshotFrame`'s bytes), the tag written
   * in place when the link can. False when it was not taken (counted as refused).
   */
  #sendSnapshot(client: M, member: Member, snapshot: Uint8Array, resent: Uint8Array | undefined): boolean {
    let body = snapshot;
    let tag: SyncTag = SyncTag.snapshot;
    if (resent !== undefined) {
      // A chain goes as it is: deflating it would cost a try every time a client lost a snapshot, and its
      // two snapshots are small (a client is sent one only in shared mode, where bodies fit the budget).
      body = chainPayload(resent, snapshot);
      tag = SyncTag.chain;
      this.#stats.chains++;
    } else if (snapshot.length > this.#deflateAbove && !member.deflateTries.shouldTry()) {
      this.#stats.deflateSkipped++;
    } else if (snapshot.length > this.#deflateAbove) {
      const deflated = deflateSync(snapshot);
      const chosen = deflated.length < snapshot.length;
      member.deflateTries.tried(chosen);
      if (chosen) this.#stats.deflateChosen++;
      else this.#stats.deflateNotChosen++;
      this.#options.metrics?.count('sync_deflate_total', { chosen: chosen ? 'yes' : 'no' });
      if (chosen) {
        body = deflated;
        tag = SyncTag.deflatedSnapshot;
      }
    }
    if (!this.#handOver(client, tag, body)) {
      // Counted, not retried: the encoder treats it as a lost snapshot (no ack comes), as it would be.
      this.#stats.snapshotsRefused++;
      this.#options.metrics?.count('sync_snapshots_refused_total');
      return false;
    }
    const length = 1 + body.length;
    this.#stats.snapshotsSent++;
    this.#stats.bytesSent += length;
    this.#options.metrics?.count('sync_snapshots_total');
    this.#options.metrics?.count('sync_snapshot_bytes_total', undefined, length);
    return true;
  }

  /**
   * Gives the framed snapshot to the app's `send` or the member's link; false when it was not taken. One
   * that throws (the app's `send`, or a link of an app's own `SyncMember`) is reported and counts as not
   * taken: it cost the members after this one their snapshots, at every flush it threw.
   */
  #handOver(client: M, tag: SyncTag, body: Uint8Array): boolean {
    const send = this.#options.send;
    try {
      if (send) send(client, encodeTaggedFrame(tag, body));
      else if (client.link.sendTagged) return client.link.sendTagged(Channel.phys, tag, body);
      else return client.link.send(Channel.phys, encodeTaggedFrame(tag, body));
    } catch (error) {
      const failures = send ? this.#callbackFailures : this.#failures;
      failures.report(
        this.#room.clock.now(),
        () => ({
          what: `${send ? 'send' : "the member's link"} threw for ${memberName(client)}; the snapshot counts as lost`,
          error,
        }),
        send ? { callback: 'send' } : undefined,
      );
      return false;
    }
    return true;
  }

  /**
   * A budget is at least 16 bytes; through the members' links at most MAX_SNAPSHOT_BUDGET_BYTES, the largest
   * `phys` message they carry. With the app's own `send`, the app's transport decides (Infinity: no budget).
   */
  #checkBudget(budgetBytes: number): number {
    const most = this.#options.send === undefined ? MAX_SNAPSHOT_BUDGET_BYTES : Number.POSITIVE_INFINITY;
    if (!(budgetBytes >= 16 && budgetBytes <= most)) {
      throw new RangeError(
        this.#options.send === undefined
          ? `budgetBytes must be in 16..${MAX_SNAPSHOT_BUDGET_BYTES} (a snapshot is one phys message), got ${budgetBytes}`
          : `budgetBytes must be ≥ 16, got ${budgetBytes}`,
      );
    }
    return budgetBytes;
  }

  /** The member, made now if the player is in `room.clients` and has none yet; undefined for anyone else. */
  #listedMember(client: M): Member | undefined {
    const member = this.#members.get(client);
    if (member !== undefined) return member;
    // One with a membership no snapshot can name keeps what is set for it as a joining player's.
    const listed = this.#room.clients.includes(client) && membershipFits(client.membership ?? 0);
    return listed ? this.#addMember(client) : undefined;
  }

  /** What a player who is not a member yet was set to (by `setRate`, `setBudget`), made on first use. */
  #joiningSettings(client: M): JoiningSettings {
    let settings = this.#joining.get(client);
    if (settings === undefined) {
      settings = { periodMs: this.#defaultPeriodMs, budgetBytes: this.#defaultBudget };
      this.#joining.set(client, settings);
    }
    return settings;
  }

  /** A non-member's settings: those set during its join, else the room's. */
  #settingsOf(client: M): JoiningSettings {
    return this.#joining.get(client) ?? { periodMs: this.#defaultPeriodMs, budgetBytes: this.#defaultBudget };
  }

  #member(client: M): Member {
    // Made in a method of its own: the closures there capture `client`, which would make V8 allocate a
    // context on every call here, and this runs for every member every tick.
    return this.#members.get(client) ?? this.#addMember(client);
  }

  /** `old` made again for the player's seating now, with its rates, budget and their history. */
  #renumbered(client: M, old: Member): Member {
    this.#members.delete(client);
    if (old.view !== undefined) this.#leaveView(old.view);
    this.#joining.set(client, { periodMs: old.periodMs, budgetBytes: old.budgetBytes });
    const member = this.#addMember(client, old.rates);
    member.adaptive = old.adaptive;
    // The same page, seated anew: its types are still not the room's.
    member.typesDiffer = old.typesDiffer;
    return member;
  }

  #addMember(client: M, rates?: RateMemory): Member {
    const { priority, tier } = this.#callbacks;
    // What the app set while the room decided on the join (onJoin) applies from the first snapshot.
    const settings = this.#settingsOf(client);
    this.#joining.delete(client);
    const { periodMs, budgetBytes } = settings;
    const membership = client.membership ?? 0;
    const encoder = new SnapshotEncoder(this.registry, {
      cache: this.#cache,
      shared: this.#shared,
      // A member that lost a snapshot is sent it again in a chain rather than a body built for it alone.
      resend: true,
      // A player who left and joined again gets a new encoder; acks of the old one still on their way
      // then name seqs this one did not send.
      firstSeq: this.#firstSeq(),
      stream: streamOf(membership, this.#epoch),
      priority: new PriorityAccumulator({
        ...(priority ? { priority: (id, entity) => priority(client, id, entity) } : {}),
        ...(tier ? { tier: (id, entity) => tier(client, id, entity) } : {}),
      }),
    });
    const member: Member = {
      encoder,
      membership,
      view: undefined,
      periodMs,
      budgetBytes,
      nextAt: Number.NEGATIVE_INFINITY,
      adaptive: this.#options.adaptive ? this.#adaptiveFor(1000 / periodMs, budgetBytes) : undefined,
      nextAdaptAt: Number.NEGATIVE_INFINITY,
      rates: rates ?? new RateMemory(1000 / periodMs),
      lastAckBytes: new Uint8Array(ACK_BYTES),
      lastAckLength: 0,
      deflateTries: new DeflateTries(),
      lastAck: undefined,
      typesDiffer: false,
    };
    this.#members.set(client, member);
    return member;
  }

  /**
   * A member's first seq, drawn from `random`. Kept in 0..65,535 whatever it returns (1, a negative, NaN):
   * the encoder refuses any other, which threw from every flush from that member's join on.
   */
  #firstSeq(): number {
    const drawn = Math.floor((this.#options.random ?? Math.random)() * SEQ_MODULO);
    return drawn >= 0 ? Math.min(SEQ_MODULO - 1, drawn) : 0;
  }

  #adaptiveFor(rateHz: number, budgetBytes: number): AdaptiveRate {
    const options = typeof this.#options.adaptive === 'object' ? this.#options.adaptive : {};
    const maxHz = Math.min(options.maxHz ?? rateHz, rateHz);
    // A budget of Infinity (the app's own send, no limit): adaptive budgets move below one message's worth.
    const ceiling = Number.isFinite(budgetBytes) ? budgetBytes : MAX_SNAPSHOT_BUDGET_BYTES;
    const maxBudgetBytes = Math.min(options.maxBudgetBytes ?? ceiling, ceiling);
    return new AdaptiveRate(
      {
        ...options,
        maxHz,
        minHz: Math.min(options.minHz ?? 10, maxHz),
        maxBudgetBytes,
        // As given, whatever the entity types: an entity over the backed-off budget raises it when a
        // snapshot has to leave it out (see #overBudget).
        minBudgetBytes: Math.min(options.minBudgetBytes ?? 400, maxBudgetBytes),
      },
      this.#room.clock.now(),
    );
  }

  #adapt(client: M, member: Member, now: number): void {
    member.nextAdaptAt = now + ADAPT_EVERY_MS;
    const link = client.link;
    const setting = member.adaptive?.update(
      {
        quality: link.quality?.snapshot(),
        device: deviceClassOf(link.device),
        ...(link.queuedBytes ? { queuedBytes: link.queuedBytes() } : {}),
      },
      now,
    );
    if (setting) member.rates.set(setting.rateHz, now);
  }

  #forgetLeavers(clients: readonly M[]): void {
    if (clients.length === this.#members.size && clients.every((client) => this.#members.has(client))) return;
    const present = new Set(clients);
    for (const [client, member] of this.#members) {
      if (present.has(client)) continue;
      this.#members.delete(client);
      if (member.view !== undefined) this.#leaveView(member.view);
    }
  }
}

function periodOf(rateHz: number): number {
  if (!(rateHz >= 1 && rateHz <= 120)) throw new RangeError(`rateHz must be in 1..120, got ${rateHz}`);
  return 1000 / rateHz;
}
