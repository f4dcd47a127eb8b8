import { type Cancel, type Clock, type Disposer, Emitter, realClock } from '../../common/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import {
  type AnyEntityType,
  changeMask,
  codesToState,
  decodeSyncFrame,
  type EntityCodes,
  type EntityRegistry,
  encodeAckFrame,
  encodeAppFrame,
  encodeTypesDifferFrame,
  entityRegistry,
  type FieldNameOf,
  membershipOf,
  RemovalKind,
  type ResentOutcome,
  SnapshotDecoder,
  type StateOf,
  snapshotStream,
  streamNewer,
} from '../../sync/index.js';
import { Channel, type Link } from '../../transport/index.js';
import { inflateAtMost } from './bounded-inflate.js';
import { BytesWindow } from './bytes-window.js';

/**
 * A state as SyncedState hands it out: shared by every reader until it changes, so read-only throughout,
 * a group's object (and the vectors and lists in it) too.
 */
type ReadonlyState<S> = {
  readonly [Name in keyof S]: S[Name] extends readonly unknown[]
    ? Readonly<S[Name]>
    : S[Name] extends object
      ? ReadonlyState<S[Name]>
      : S[Name];
};

type StateOrRecord<T> = [StateOf<T>] extends [never]
  ? Readonly<Record<string, unknown>>
  : ReadonlyState<StateOf<T>>;

/** An entity as this client holds it; `type` tells the union apart (`if (e.type === Vehicle) e.state.hp`). */
export type SyncedEntity<T extends AnyEntityType = AnyEntityType> = T extends AnyEntityType
  ? {
      readonly id: number;
      readonly type: T;
      readonly state: StateOrRecord<T>;
      /** Server tick of the newest snapshot that carried it. */
      readonly tick: number;
    }
  : never;

/**
 * A changed entity and the names of the fields that changed, in field order; a field in a group by its
 * path (`'weapon.ammo'`), so a listener can tell which of a group's fields moved.
 */
export type SyncedChange<T extends AnyEntityType = AnyEntityType> = T extends AnyEntityType
  ? SyncedEntity<T> & { readonly changed: readonly ChangedName<T>[] }
  : never;

/** A declared type's field names; a hand-made type's (no declarations to read them from) any string. */
type ChangedName<T> = [FieldNameOf<T>] extends [never] ? string : FieldNameOf<T>;

/**
 * A removed entity, with the last state held, and why it went (`RemovalKind`): `destroyed`, it is gone
 * from the server's world (play the explosion); `leftView`, it is only out of this client's view (fog of
 * war, distance: let it fade), and comes back with an `add` if it is seen again; `restart`, the state
 * started over (another room, the room's new RoomSync, the same room included, or the client's session
 * ended): the entity went with the old stream, nothing says it was destroyed, and what the next stream
 * holds comes as `add`s (clear it without effects).
 */
export type SyncedRemoval<T extends AnyEntityType = AnyEntityType> = T extends AnyEntityType
  ? SyncedEntity<T> & { readonly reason: RemovalKind }
  : never;

/** Narrows an entity (or a change) of the union to one type: `if (isEntityOf(e, Vehicle)) e.state.hp`. */
export function isEntityOf<T extends AnyEntityType, E extends { readonly type: AnyEntityType }>(
  entity: E | undefined,
  type: T,
): entity is Extract<E, { readonly type: T }> {
  return entity?.type === type;
}

export interface SyncedStateEvents<T extends AnyEntityType = AnyEntityType> {
  add: SyncedEntity<T>;
  /** With the last state held, and `reason`: `destroyed`, `leftView` or `restart` (see SyncedRemoval). */
  remove: SyncedRemoval<T>;
  change: SyncedChange<T>;
  /** After an applied snapshot's add, change and remove events. */
  snapshot: { readonly seq: number; readonly tick: number; readonly complete: boolean };
  /** The server's own bytes on `phys` (tagged app), not a snapshot. */
  app: Uint8Array;
  /**
   * A malformed message from the server (`BAD_FRAME`): dropped, the state is unchanged. Or, once until a
   * snapshot applies, `SYNC_TYPES_MISMATCH`: the server's entity types are not this state's (another
   * build of the game), so no snapshot can apply; the server is told and sends no more (reload the page).
   */
  error: ProtocolError;
}

export interface SyncedStateStats {
  snapshotsReceived: number;
  applied: number;
  /** Older than the newest applied, or of a stream this state has left (an earlier RoomSync of the room). */
  stale: number;
  /**
   * Snapshots of a room the client is not in (one it left, whose snapshots were still on their way), or,
   * for a state that holds nothing of the room yet, snapshots that came while a join was on its way
   * (they may be the room being left): dropped. Only on a link that knows the client's seating.
   */
  otherRoom: number;
  /**
   * Times the state started over: a new stream began (the client's new room, or the room's new RoomSync),
   * or the client's session ended. Everything held was removed; the new world comes as adds.
   */
  restarts: number;
  /**
   * Snapshots that could not apply (missing baseline, checksum): each answered with a resync ack; those
   * written with other entity types than this state's, with a `typesDiffer` frame now and then instead.
   */
  resyncs: number;
  /**
   * Snapshots the server sent again ahead of a newer one (a chain) that this state had missed and took
   * late: kept for the snapshots after it, with no event (see `SnapshotDecoder.decodeResent`).
   */
  filled: number;
  deflated: number;
  badFrames: number;
  /** Acks the link took: ack-only messages and inputs carrying one (`sendInput` true). */
  acksSent: number;
  /** Bytes of snapshot messages as they arrived (deflated ones deflated), in all and over the last second. */
  bytesReceived: number;
  bytesPerSecond: number;
  entities: number;
}

/** The room a client sits in, as far as its snapshots go (see `SyncLink.seating`). */
export interface SyncSeating {
  /** The membership of the room the client is in (`RoomConnection.membership`); undefined in no room. */
  readonly membership: number | undefined;
  /** A join (join, create, joinByCode, quickPlay) is on its way. */
  readonly joining: boolean;
  /**
   * Which of the client's sessions it sits in (a count, new with every session: after an expiry, a move
   * to another node, or `close()` then `connect()`). Memberships are numbered per session, so the first
   * room of a new session has the number the old session's first room had: this tells them apart.
   */
  readonly session?: number;
}

/** What SyncedState needs of a link: `client.serverLink` is one. */
export type SyncLink = Pick<Link, 'send' | 'onMessage'> & {
  /**
   * Where the client sits now, so that only its current room's snapshots apply: `client.serverLink` says.
   * Absent (a link of the app's own), or returning undefined (a server that names no memberships), every
   * stream is taken, a later one (`streamNewer`) replacing an earlier one.
   */
  seating?(): SyncSeating | undefined;
  /**
   * Calls the listener when the client's session ends (not on a resume): `client.serverLink` does. Absent
   * (a link of the app's own), the state keeps what it holds until a later stream replaces it.
   */
  onSessionEnd?(listener: () => void): Disposer;
};

export interface SyncedStateOptions<Types extends readonly AnyEntityType[]> {
  /** The server's RoomSync types, in the same order: a type's id is its index. */
  types: Types;
  clock?: Clock;
  /**
   * How long (ms) an ack may wait for an input (`sendInput`) to carry it before it goes on its own.
   * Default 0: an ack-only message right after each snapshot. A game sending inputs every frame can set
   * about one frame to save the separate message. At most 2^31 - 1 (what a timer holds): the
   * constructor refuses anything but a number of ms in 0..2^31 - 1.
   */
  ackDelayMs?: number;
  /**
   * A deflated snapshot that inflates past this many bytes is refused (`BAD_FRAME`), its inflating
   * stopped there. Default 262,144; a whole number in 16..2^29 (536,870,912: no snapshot is larger, its
   * bits are counted in 32 bits). Not Infinity: DEFLATE inflates up to about 1,032 times, so a
   * 16 KiB message (the most a server link carries) could become 16 MiB, all inflated and held
   * before a byte of it was read.
   */
  maxSnapshotBytes?: number;
}

/** What `#apply` reads of an applied snapshot's outcome. */
type AppliedChanges = Pick<
  Extract<ReturnType<SnapshotDecoder['decode']>, { kind: 'applied' }>,
  'created' | 'updated' | 'removed' | 'removedKinds'
>;

interface Held {
  readonly type: AnyEntityType;
  /**
   * Always the decoder's current copy (`peekCodes`, not lent): the decoder may reuse an array 64
   * snapshots after it stops being current, so this is replaced by every update, changed or not, and
   * the lazily made `state` is made from it while it is current. `codesOf` lends it before handing it out.
   */
  codes: EntityCodes;
  tick: number;
  state: unknown;
}

/**
 * The longest delay a timer holds (2^31 - 1 ms). Past it (Infinity, say, meant as "only on inputs") Node
 * takes the delay as 1 ms and browsers as 0, and a clock that waits it out in steps never sends the ack
 * of a game that stops sending inputs.
 */
const MAX_ACK_DELAY_MS = 2 ** 31 - 1;

/** Refuses an `ackDelayMs` no timer can wait, naming the option. */
function checkAckDelay(ms: unknown): number {
  const wanted = `ackDelayMs must be a number of ms in 0..${MAX_ACK_DELAY_MS}, got ${String(ms)}`;
  if (typeof ms !== 'number') throw new TypeError(wanted);
  if (!(ms >= 0 && ms <= MAX_ACK_DELAY_MS)) throw new RangeError(wanted);
  return ms;
}

/**
 * The most a snapshot can be: the bit reader and writer count a message's bits in 32 bits (2^32 bits), so
 * no encoder writes a larger one, nor would the decoder read it.
 */
const MAX_SNAPSHOT_BYTES = 2 ** 29;

/**
 * Refuses a `maxSnapshotBytes` that bounds nothing (Infinity, a bomb's whole output inflated and held)
 * or that is not a byte count, naming the option.
 */
function checkMaxSnapshotBytes(bytes: unknown): number {
  const wanted = `maxSnapshotBytes must be a whole number of bytes in 16..${MAX_SNAPSHOT_BYTES} (no snapshot is larger), got ${String(bytes)}`;
  if (typeof bytes !== 'number') throw new TypeError(wanted);
  if (!(Number.isInteger(bytes) && bytes >= 16 && bytes <= MAX_SNAPSHOT_BYTES)) throw new RangeError(wanted);
  return bytes;
}

/**
 * The client side of a room's state sync: decodes the snapshots arriving on the server link, acks them
 * (piggybacked on `sendInput`, or on their own), and holds the decoded entities with add, change and
 * remove events. It shows the room the client is in, as its current RoomSync has it: snapshots of another
 * room never apply, and when a new stream begins (another room joined, or the room's new RoomSync) it
 * starts over from it (a `remove` for everything held, then the new world's `add`s). When the client's
 * session ends (not a resume) it empties itself: that world is no longer the server's.
 */
export class SyncedState<const Types extends readonly AnyEntityType[]> {
  readonly #link: SyncLink;
  readonly #clock: Clock;
  readonly #registry: EntityRegistry;
  /** Of the stream it holds: replaced by a new one when a new stream begins. */
  #decoder: SnapshotDecoder;
  readonly #events = new Emitter<SyncedStateEvents<Types[number]>>();
  readonly #held = new Map<number, Held>();
  readonly #window = new BytesWindow();
  readonly #ackDelayMs: number;
  readonly #maxSnapshotBytes: number;
  readonly #unsubscribe: Disposer;
  readonly #stopFollowingSession: Disposer | undefined;
  /** The client's session the held stream came in (`SyncSeating.session`), when the link says. */
  #heldSession: number | undefined;
  #ackDue = false;
  #cancelAck: Cancel | undefined;
  #disposed = false;
  /** Whether the app was told that the server's entity types are not this state's (until a snapshot applies). */
  #typesDifferSaid = false;
  /** Snapshots in a row whose types were not this state's: the server is told on the 1st, 2nd, 4th, 8th... */
  #typesDifferSeen = 0;
  readonly #stats = {
    snapshotsReceived: 0,
    applied: 0,
    stale: 0,
    otherRoom: 0,
    restarts: 0,
    resyncs: 0,
    filled: 0,
    deflated: 0,
    badFrames: 0,
    acksSent: 0,
    bytesReceived: 0,
  };

  constructor(link: SyncLink, options: SyncedStateOptions<Types>) {
    this.#registry = entityRegistry(options.types);
    this.#decoder = new SnapshotDecoder(this.#registry, { resent: true });
    this.#link = link;
    this.#clock = options.clock ?? realClock;
    this.#ackDelayMs = checkAckDelay(options.ackDelayMs ?? 0);
    this.#maxSnapshotBytes = checkMaxSnapshotBytes(options.maxSnapshotBytes ?? 262_144);
    this.#unsubscribe = link.onMessage((channel, bytes) => {
      if (channel === Channel.phys) this.#receive(bytes);
    });
    this.#stopFollowingSession = link.onSessionEnd?.(() => this.#sessionEnded());
  }

  on<E extends keyof SyncedStateEvents>(
    event: E,
    listener: (payload: SyncedStateEvents<Types[number]>[E]) => void,
  ): Disposer {
    // dispose() empties the emitter, which stops an emit under way: no listener runs after it.
    return this.#events.on(event, listener);
  }

  get size(): number {
    return this.#held.size;
  }

  /** The entity, or undefined; with `type`, undefined too when it is of another type. */
  get(id: number): SyncedEntity<Types[number]> | undefined;
  get<T extends Types[number]>(id: number, type: T): SyncedEntity<T> | undefined;
  // The implementation's `unknown`: TypeScript cannot relate `SyncedEntity<T>` of a generic `T` to the
  // union's through the recursive field declarations; the overloads say what a caller gets.
  get(id: number, type?: AnyEntityType): unknown {
    const held = this.#held.get(id);
    if (held === undefined || (type !== undefined && held.type !== type)) return undefined;
    return this.#view(id, held);
  }

  *entities(): IterableIterator<SyncedEntity<Types[number]>> {
    for (const [id, held] of this.#held) yield this.#view(id, held);
  }

  /** The entity's codes as held (quantized integers), for comparing with the server's exactly. */
  codesOf(id: number): EntityCodes | undefined {
    // The decoder's `codesOf` is `held.codes`, marked as handed out so that it is never written over.
    return this.#held.has(id) ? this.#decoder.codesOf(id) : undefined;
  }

  stats(): SyncedStateStats {
    return {
      ...this.#stats,
      bytesPerSecond: this.#window.perSecond(this.#clock.now()),
      entities: this.#held.size,
    };
  }

  /**
   * Sends the app's bytes (an input) on `phys`, carrying the newest ack. False when the link refused it
   * (over 16,375 bytes, say): an ack waiting for an input (`ackDelayMs`) then still goes on its own.
   */
  sendInput(bytes: Uint8Array): boolean {
    if (this.#disposed) return false;
    if (!this.#link.send(Channel.phys, encodeAckFrame(this.#decoder.ack(), bytes))) return false;
    this.#ackDue = false;
    this.#cancelAck?.();
    this.#cancelAck = undefined;
    this.#stats.acksSent++;
    return true;
  }

  /** Sends the app's bytes on `phys` with no ack (tagged app). */
  sendApp(bytes: Uint8Array): boolean {
    if (this.#disposed) return false;
    return this.#link.send(Channel.phys, encodeAppFrame(bytes));
  }

  /**
   * Stops listening, sending (`sendInput` returns false) and emitting, the rest of a snapshot being
   * applied included (disposed of from a listener); the entities held stay readable.
   */
  dispose(): void {
    this.#disposed = true;
    this.#events.removeAll();
    this.#unsubscribe();
    this.#stopFollowingSession?.();
    this.#cancelAck?.();
    this.#cancelAck = undefined;
  }

  #receive(bytes: Uint8Array): void {
    let frame: ReturnType<typeof decodeSyncFrame>;
    try {
      frame = decodeSyncFrame(bytes);
      if (frame.kind === 'ack' || frame.kind === 'typesDiffer')
        throw new ProtocolError(
          ErrorCode.BAD_FRAME,
          `sync frame: ${frame.kind === 'ack' ? 'an ack' : 'a types frame'} from the server`,
        );
    } catch (error) {
      this.#fault(error);
      return;
    }
    if (frame.kind === 'app') {
      this.#events.emit('app', frame.payload);
      return;
    }
    this.#stats.snapshotsReceived++;
    this.#stats.bytesReceived += bytes.length;
    this.#window.add(this.#clock.now(), bytes.length);
    let outcome: ReturnType<SnapshotDecoder['decode']> | undefined;
    let resent: ResentOutcome | undefined;
    let decoder = this.#decoder;
    let seating: SyncSeating | undefined;
    let snapshot: Uint8Array;
    try {
      snapshot = frame.deflated ? this.#inflate(frame.payload) : frame.payload;
      if (frame.deflated) this.#stats.deflated++;
      const stream = snapshotStream(snapshot);
      seating = this.#link.seating?.();
      // The held stream is not the client's room any more once it sits elsewhere (or nowhere): its late
      // snapshots go to `#follow`, which drops them as another room's rather than applying them.
      const sameStream =
        stream === this.#decoder.stream &&
        seating?.session === this.#heldSession &&
        (seating === undefined || seating.membership === membershipOf(stream));
      if (!sameStream) {
        if (!this.#follow(stream, seating)) return;
        // A decoder of its own, taken (and what is held started over) only once the snapshot has been
        // read: a malformed one must leave the state as it was, not emptied.
        decoder = new SnapshotDecoder(this.#registry, { resent: true });
      }
      // A new stream's decoder holds nothing a chain's resent snapshot could fill in (the server chains
      // only for a client that acked): its first snapshot is read before it is taken, as above.
      if (decoder !== this.#decoder) outcome = decoder.decode(snapshot);
      // A chain's resent snapshot first: the new one is written against its frame.
      else if (frame.resent !== undefined) resent = decoder.decodeResent(frame.resent);
    } catch (error) {
      this.#fault(error);
      return;
    }
    if (decoder !== this.#decoder) this.#begin(decoder, seating?.session);
    if (resent !== undefined) {
      this.#take(resent);
      if (this.#disposed) return;
    }
    if (outcome === undefined) {
      try {
        outcome = decoder.decode(snapshot);
      } catch (error) {
        this.#fault(error);
        return;
      }
    }
    this.#take(outcome);
  }

  /** What a decoded snapshot (or a chain's resent one) comes to: applied, or counted and answered. */
  #take(outcome: ResentOutcome): void {
    // Filled in late: copies kept for the snapshots after it. Nothing current changed, but for entities
    // the newer snapshots (cut by the budget) left out: the fill brought them on, announced as usual.
    if (outcome.kind === 'filled') {
      this.#stats.filled++;
      this.#apply(outcome, outcome.tick);
      this.#scheduleAck();
      return;
    }
    // `otherStream` only from a stream `#follow` turned down, which is not decoded: counted as stale.
    if (outcome.kind === 'stale' || outcome.kind === 'otherStream') {
      this.#stats.stale++;
      return;
    }
    if (outcome.kind === 'resync') {
      this.#stats.resyncs++;
      if (outcome.serverTypes !== undefined) {
        this.#typesDiffer(outcome.serverTypes, outcome.reason);
        return;
      }
      // The ack now carries the resync flag: send it without waiting for an input.
      this.#sendAckNow();
      return;
    }
    this.#typesDifferSaid = false;
    this.#typesDifferSeen = 0;
    this.#stats.applied++;
    this.#apply(outcome, outcome.tick);
    this.#events.emit('snapshot', { seq: outcome.seq, tick: outcome.tick, complete: outcome.complete });
    this.#scheduleAck();
  }

  /**
   * Whether a snapshot of `stream`, which is not the decoder's, may be decoded (by a new decoder, which
   * `#begin` takes once it has read the snapshot). Snapshots of a room the client is not in are dropped, and so,
   * while a join is on its way, are those of the current room for a state that holds none of its own yet
   * (made for the room being joined: until the answer is read the client still sits in the room it is
   * leaving). Within the client's room, a later epoch (the room's new RoomSync) is followed and an earlier
   * one is stale. On a link that does not know the seating, a later stream (`streamNewer`) is followed.
   * Asked too for the held stream's numbers when the client is in another session than the one they came
   * in: a new session's room, followed as a new stream.
   */
  #follow(stream: number, seating: SyncSeating | undefined): boolean {
    const held = this.#decoder.stream;
    if (seating !== undefined) {
      const membership = membershipOf(stream);
      // A stream of an earlier session is never this room's, whatever its numbers (see SyncSeating.session).
      const holdsThisRoom =
        held !== undefined && seating.session === this.#heldSession && membershipOf(held) === membership;
      if (membership !== seating.membership || (seating.joining && !holdsThisRoom)) {
        this.#stats.otherRoom++;
        return false;
      }
      if (held !== undefined && holdsThisRoom && !streamNewer(stream, held)) {
        this.#stats.stale++;
        return false;
      }
    } else if (held !== undefined && !streamNewer(stream, held)) {
      this.#stats.stale++;
      return false;
    }
    return true;
  }

  /**
   * A new stream begins, its first snapshot read by `decoder`: everything held goes (`remove` events,
   * `restart`: the client knows its stream started over, nothing says those entities were destroyed), and
   * `decoder` takes the stream.
   */
  #begin(decoder: SnapshotDecoder, session: number | undefined): void {
    const restart = this.#decoder.stream !== undefined;
    // The old decoder is dropped with its copies, so those held stay as they are for the removals.
    this.#decoder = decoder;
    this.#heldSession = session;
    if (restart) this.#removeAll();
  }

  /**
   * The client's session ended (expired, moved to another node, closed): no snapshot will say what became
   * of what is held, which is no longer the server's word (a game went on drawing it), and the server
   * holds nothing of it for the next session. Everything goes (`remove`, `restart`), and the next room's
   * first snapshot begins afresh, with nothing to restart: a full one, as for a state that never held one.
   */
  #sessionEnded(): void {
    if (this.#decoder.stream === undefined) return;
    // An ack of the old stream is nothing the next session's room could read.
    this.#ackDue = false;
    this.#cancelAck?.();
    this.#cancelAck = undefined;
    this.#decoder = new SnapshotDecoder(this.#registry, { resent: true });
    this.#heldSession = undefined;
    this.#removeAll();
  }

  /** The state starts over: everything held goes, `remove` with `restart` for each (see SyncedRemoval). */
  #removeAll(): void {
    this.#stats.restarts++;
    const gone = [...this.#held];
    this.#held.clear();
    this.#typesDifferSaid = false;
    this.#typesDifferSeen = 0;
    for (const [id, held] of gone) this.#events.emit('remove', this.#removal(id, held, RemovalKind.restart));
  }

  #apply(changes: AppliedChanges, tick: number): void {
    const { created, updated, removed, removedKinds } = changes;
    for (let index = 0; index < removed.length; index++) {
      const id = removed[index] as number;
      const held = this.#held.get(id);
      if (held === undefined) continue;
      this.#held.delete(id);
      this.#events.emit('remove', this.#removal(id, held, removedKinds[index] ?? RemovalKind.destroyed));
    }
    for (const id of created) {
      const codes = this.#decoder.peekCodes(id);
      const type = this.#decoder.typeOf(id);
      if (codes === undefined || type === undefined) continue;
      const old = this.#held.get(id);
      if (old !== undefined) {
        // The id came back with another type: the old entity is gone.
        this.#held.delete(id);
        this.#events.emit('remove', this.#removal(id, old, RemovalKind.destroyed));
      }
      const held: Held = { type, codes, tick, state: undefined };
      this.#held.set(id, held);
      this.#events.emit('add', this.#view(id, held));
    }
    // Every entity of every snapshot passes here: nothing is made for a change nobody listens to (the
    // state object is made when it is asked for).
    const announce = this.#events.listenerCount('change') > 0;
    for (const id of updated) {
      const codes = this.#decoder.peekCodes(id);
      const held = this.#held.get(id);
      if (codes === undefined || held === undefined) continue;
      // Updated entities came in this snapshot: theirs is its tick.
      held.tick = tick;
      const mask = changeMask(held.type, held.codes, codes);
      // Equal codes in the decoder's new array: held from now on (see Held), the state stays.
      held.codes = codes;
      if (mask === 0) continue;
      held.state = undefined;
      if (!announce) continue;
      const changed = held.type.fieldNames.filter((_, index) => (mask & (1 << index)) !== 0);
      // For every changed entity: `Object.assign`, as a property after a spread costs about 1 µs on Node 20.
      this.#events.emit(
        'change',
        Object.assign(this.#view(id, held), { changed }) as unknown as SyncedChange<Types[number]>,
      );
    }
  }

  #view(id: number, held: Held): SyncedEntity<Types[number]> {
    held.state ??= frozen(codesToState(held.type as never, held.codes));
    return { id, type: held.type, state: held.state, tick: held.tick } as SyncedEntity<Types[number]>;
  }

  #removal(id: number, held: Held, reason: RemovalKind): SyncedRemoval<Types[number]> {
    return Object.assign(this.#view(id, held), { reason }) as SyncedRemoval<Types[number]>;
  }

  #inflate(payload: Uint8Array): Uint8Array {
    let inflated: Uint8Array | undefined;
    try {
      inflated = inflateAtMost(payload, this.#maxSnapshotBytes);
    } catch (error) {
      throw new ProtocolError(ErrorCode.BAD_FRAME, 'sync frame: bad deflate data', { cause: error });
    }
    if (inflated === undefined) {
      throw new ProtocolError(
        ErrorCode.BAD_FRAME,
        `sync frame: snapshot over ${this.#maxSnapshotBytes} bytes`,
      );
    }
    return inflated;
  }

  #fault(error: unknown): void {
    this.#stats.badFrames++;
    const fault =
      error instanceof ProtocolError
        ? error
        : new ProtocolError(ErrorCode.BAD_FRAME, 'sync frame: undecodable', { cause: error });
    this.#events.emit('error', fault);
  }

  #scheduleAck(): void {
    // Disposed of by a listener of the snapshot just applied: a timer now would outlive the state.
    if (this.#disposed) return;
    if (this.#ackDelayMs === 0) {
      this.#sendAckNow();
      return;
    }
    this.#ackDue = true;
    this.#cancelAck ??= this.#ackLater();
  }

  /** Apart from `#scheduleAck`: its closure there made V8 allocate a context for every snapshot. */
  #ackLater(): Cancel {
    return this.#clock.setTimeout(() => {
      this.#cancelAck = undefined;
      if (this.#ackDue) this.#sendAckNow();
    }, this.#ackDelayMs);
  }

  /**
   * A snapshot written with other entity types than this state's: every snapshot will fail alike (a page
   * from an older build, say), so a resync cannot help. The app is told once, not twenty times a second;
   * the server is told instead of asked for a resync, so that it stops sending this client state. Again
   * on the 2nd, 4th, 8th... such snapshot, should a datagram carrying it be lost: a server that predates
   * the message counts each as a bad frame, so not on every snapshot.
   */
  #typesDiffer(serverTypes: number, reason: string): void {
    this.#typesDifferSeen++;
    const seen = this.#typesDifferSeen;
    if ((seen & (seen - 1)) === 0) {
      this.#link.send(Channel.phys, encodeTypesDifferFrame(serverTypes, this.#registry.fingerprint));
    }
    if (this.#typesDifferSaid) return;
    this.#typesDifferSaid = true;
    this.#events.emit(
      'error',
      new ProtocolError(
        ErrorCode.SYNC_TYPES_MISMATCH,
        `sync: ${reason}: this page was built with other entity types than the server's (an older or ` +
          'newer build): reload the page, or rebuild the client with the server’s types',
      ),
    );
  }

  #sendAckNow(): void {
    if (this.#disposed) return;
    this.#ackDue = false;
    this.#cancelAck?.();
    this.#cancelAck = undefined;
    // Counted when the link took it (as `sendInput` counts its acks): a refused one is not retried, the
    // next snapshot's ack covers it.
    if (this.#link.send(Channel.phys, encodeAckFrame(this.#decoder.ack()))) this.#stats.acksSent++;
  }
}

/**
 * The state frozen with its vectors, quaternions, lists and groups: every reader is handed the same
 * object until the entity changes, so one that moved a vector in place changed what the others read.
 */
function frozen(state: Record<string, unknown>): Readonly<Record<string, unknown>> {
  for (const value of Object.values(state)) {
    if (typeof value !== 'object' || value === null) continue;
    // A group's object holds values of its own (vectors, lists, groups); a vector or list holds none.
    if (!Array.isArray(value)) frozen(value as Record<string, unknown>);
    else Object.freeze(value);
  }
  return Object.freeze(state);
}
