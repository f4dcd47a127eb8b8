import type * as v from 'valibot';
import type { Disposer } from '../../common/index.js';
import { type LeaveReason, metadataProblem, type Scalar } from '../../protocol/index.js';
import type { Channel } from '../../transport/core.js';
import type { RoomAskOptions } from './room-asks.js';
import type { RoomClient, SendOptions } from './room-client.js';
import type { RoomClock } from './room-clock.js';

export interface BroadcastOptions extends SendOptions {
  /** Leave this member out (typically the sender), or these members. */
  except?: RoomClient | readonly RoomClient[];
}

/**
 * How members' WebRTC links may find each other. 'relay-only' hides players' addresses from one
 * another: the server strips every non-TURN candidate from their signaling, and clients connect through
 * TURN (or, without TURN, through the server's relay).
 */
export type PeerPrivacy = 'open' | 'relay-only';

/**
 * For a message sent with `room.send`, what it returns is ignored, and a promise's rejection is counted as
 * a throw. For one sent with `room.request`, what it returns (or its promise resolves to) is the reply,
 * `undefined` included; a throw or a rejection answers REQUEST_FAILED: with its code and message for a
 * `RoomError`, with neither for anything else (logged and counted as a throw). `unknown`, not
 * `void | Promise<void>`: that union refused the one-liners rooms write, `(client, move) =>
 * this.moves.set(client.playerId, move)` (a Map), which a plain `void` return type takes.
 */
export type MessageHandler<T> = (client: RoomClient, data: T) => unknown;

/**
 * `onMessage('*', handler)`: a member's message of a type the room has no handler of its own for. No
 * schema checks its data (`unknown`: check it yourself); its value answers a request as a handler's does.
 */
export type CatchAllHandler = (client: RoomClient, type: string, data: unknown) => unknown;

/** The longest a room holds a dropped player's seat (`setReconnectionMs`, `holdSeat`): 10 minutes. */
export const MAX_RECONNECTION_MS = 10 * 60_000;

/**
 * Answers a call from outside the room (`GameServer.callRoom`, from this node or another): what it returns,
 * or its promise resolves to, is the answer. A throw or a rejection fails the call REQUEST_FAILED: with its
 * code and message for a `RoomError`, with neither for anything else (logged and counted). `args` and the
 * answer travel as JSON, on one node as between nodes.
 */
export type CallHandler<T> = (args: T) => unknown;

/** What a Room needs from the server that hosts it. Internal: apps never build one. */
export interface RoomHostPort {
  readonly roomId: string;
  readonly type: string;
  readonly code: string | undefined;
  readonly isPrivate: boolean;
  readonly creatorAddress: string | undefined;
  readonly clock: RoomClock;
  clients(): readonly RoomClient[];
  broadcast(type: string, data: unknown, options: BroadcastOptions): void;
  updateListing(patch: { metadata?: Record<string, Scalar>; locked?: boolean; maxClients?: number }): void;
  /** Lists the room, or takes it out of listings, lobbies and quick play. */
  setPrivate(isPrivate: boolean): void;
  /** The room's `emptyDisposeMs` changed: an empty room's wait starts again with it. */
  emptyDisposalChanged(): void;
  kick(client: RoomClient, message: string): void;
  /** Holds an away member's seat `ms` from their drop (see `Room.holdSeat`). */
  holdSeat(client: RoomClient, ms: number): void;
  request(
    client: RoomClient,
    type: string,
    data: unknown,
    options: RoomAskOptions | undefined,
  ): Promise<unknown>;
  dispose(): void;
  reportTick(durationMs: number): void;
  count(name: string, labels?: Readonly<Record<string, string>>, by?: number): void;
}

export const bindHost = Symbol('vehikill-net.room.bindHost');
export const handlersOf = Symbol('vehikill-net.room.handlers');
export const callableOf = Symbol('vehikill-net.room.callable');

/** A type's own handler with its schema, or the catch-all (`'*'`), whose data no schema checks. */
export type RegisteredHandler =
  | { schema: v.GenericSchema; handler: MessageHandler<unknown> }
  | { schema: undefined; handler: CatchAllHandler };

interface RegisteredCall {
  schema: v.GenericSchema;
  handler: CallHandler<unknown>;
}

/**
 * Base class of an app's room type. Override the lifecycle hooks; register messages with `onMessage`,
 * each with its validation schema (valibot), so no handler ever sees unchecked data.
 * A hook that throws is caught and logged; a throw from `onJoin` refuses the join (JOIN_REJECTED)
 * with the error's message.
 */
export class Room {
  #host: RoomHostPort | undefined;
  #maxClients = 8;
  #metadata: Record<string, Scalar> = {};
  #locked = false;
  #peerPrivacy: PeerPrivacy = 'open';
  #emptyDisposeMs: number | undefined;
  #idleDisposeMs: number | undefined;
  #reconnectionMs: number | undefined;
  readonly #handlers = new Map<string, RegisteredHandler>();
  /** `onMessage('*', handler)`: the messages of the types with no handler of their own. */
  #catchAll: RegisteredHandler | undefined;
  readonly #callables = new Map<string, RegisteredCall>();

  /** Called once before anyone joins, with the creator's options (unvalidated: check them here). */
  onCreate(_options: unknown): void | Promise<void> {}
  /** Throw to refuse the player; the message goes back to them. */
  onJoin(_client: RoomClient, _options: unknown): void | Promise<void> {}
  /**
   * The player left, was kicked, their grace period (or the room's reconnection window) ran out, or their
   * session ended while `onJoin` was deciding.
   */
  onLeave(_client: RoomClient, _reason: LeaveReason): void {}
  /**
   * The player's connection dropped; their seat is held until they resume or the grace period ends (the
   * room's own window instead, if it set one: `setReconnectionMs`, or `holdSeat` from here).
   */
  onAway(_client: RoomClient): void {}
  /**
   * The player is back. With `resync`, messages to them were lost (their outbox overflowed): the server
   * has already sent them `stateFor(client)` again; send anything else they need to start over.
   */
  onResume(_client: RoomClient, _info: { resync: boolean }): void {}
  /** Full state for a late joiner, and for a player who needs a resync. */
  stateFor(_client: RoomClient): unknown {
    return undefined;
  }
  onDispose(): void {}
  /**
   * A member sent this on their server link (`client.link`): inputs on `phys`, usually. Bytes are the
   * app's own encoding; size and rate are already checked, the content is yours to validate.
   */
  onLinkMessage(_client: RoomClient, _channel: Channel, _bytes: Uint8Array): void {}

  get roomId(): string {
    return this.#port().roomId;
  }
  get type(): string {
    return this.#port().type;
  }
  /** Short code for rooms created private: set before `onCreate`, and never changes. */
  get code(): string | undefined {
    return this.#port().code;
  }
  /** Unlisted: out of `listRooms`, lobbies (`watchRooms`) and quick play; joined by id, or by `code`. */
  get private(): boolean {
    return this.#port().isPrivate;
  }

  /**
   * Takes the room out of the listing, lobbies and quick play (`true`), or puts it in (`false`), from
   * `onCreate` on: a match that started hides itself, a private party opens to everyone. Its players stay.
   * A room made private has no code (one created private keeps its code either way): it is joined by its
   * `roomId`, which its players can pass on. Anything but a boolean throws a TypeError.
   */
  setPrivate(isPrivate: boolean): void {
    if (typeof isPrivate !== 'boolean') {
      throw new TypeError(`setPrivate takes true or false, got ${describe(isPrivate)}`);
    }
    this.#port().setPrivate(isPrivate);
  }
  /**
   * Where the room's creation came from: the creator's address as the server's per-address limits count
   * it (an IPv4 address, an IPv6 address's /64), set before `onCreate`. For bounds of a room's own across
   * the rooms one address creates (server-side bots, say); not for display: it identifies the player.
   */
  get creatorAddress(): string | undefined {
    return this.#port().creatorAddress;
  }
  /**
   * The room's time and timers: `now()`, `setTimeout`, and `setInterval` (keeps its rate). Timers still
   * scheduled when the room is disposed are cancelled then (after `onDispose`); a callback that throws is
   * logged and counted (`room_hook_errors_total{hook="timer"}`), not taken to the process.
   */
  get clock(): RoomClock {
    return this.#port().clock;
  }
  get clients(): readonly RoomClient[] {
    return this.#port().clients();
  }
  get maxClients(): number {
    return this.#maxClients;
  }
  get metadata(): Readonly<Record<string, Scalar>> {
    return this.#metadata;
  }
  get locked(): boolean {
    return this.#locked;
  }
  get peerPrivacy(): PeerPrivacy {
    return this.#peerPrivacy;
  }

  /** Set it in `onCreate`: members learn it when they join, and links already made would keep theirs. */
  setPeerPrivacy(mode: PeerPrivacy): void {
    if (mode !== 'open' && mode !== 'relay-only')
      throw new RangeError(`unknown peer privacy '${String(mode)}'`);
    if (this.#host && this.#host.clients().length > 0) {
      throw new Error('set peer privacy before anyone joins (in onCreate)');
    }
    this.#peerPrivacy = mode;
  }

  /** This room's wait before it goes once empty, if it set one (`setEmptyDisposeMs`); else the server's. */
  get emptyDisposeMs(): number | undefined {
    return this.#emptyDisposeMs;
  }
  /** This room's idle limit, if it set one (`setIdleDisposeMs`); else the server's. */
  get idleDisposeMs(): number | undefined {
    return this.#idleDisposeMs;
  }

  /**
   * How long this room waits, once empty, before it goes (ms), in place of the server's `emptyDisposeMs`:
   * `Infinity` keeps it while empty (a lobby that stays listed), 0 disposes it as its last member leaves;
   * `undefined` goes back to the server's. Set in `onCreate` or later: a room empty and waiting now starts
   * its wait again with the new value. Anything else throws a RangeError and changes nothing.
   */
  setEmptyDisposeMs(ms: number | undefined): void {
    if (ms !== undefined && !(typeof ms === 'number' && ms >= 0 && !Number.isNaN(ms))) {
      throw new RangeError(
        `emptyDisposeMs must be a number of ms >= 0 (Infinity: kept while empty), or undefined for the server's; got ${String(ms)}`,
      );
    }
    this.#emptyDisposeMs = ms;
    this.#host?.emptyDisposalChanged();
  }

  /**
   * How long this room may go without a message from its members before it goes (ms), in place of the
   * server's `idleDisposeMs`: `Infinity` never (a turn-based table), `undefined` the server's. Checked as
   * often as the server checks its own limit (every `idleDisposeMs / 2` of the server's, at most 30 s), so
   * a room that sets a shorter one than the server's goes up to that much later. 0, a negative number or
   * NaN throws a RangeError and changes nothing.
   */
  setIdleDisposeMs(ms: number | undefined): void {
    if (ms !== undefined && !(typeof ms === 'number' && ms > 0)) {
      throw new RangeError(
        `idleDisposeMs must be a number of ms above 0 (Infinity: never idle), or undefined for the server's; got ${String(ms)}`,
      );
    }
    this.#idleDisposeMs = ms;
  }

  /** This room's reconnection window, if it set one (`setReconnectionMs`); else the server's `graceMs`. */
  get reconnectionMs(): number | undefined {
    return this.#reconnectionMs;
  }

  /**
   * How long this room holds a dropped player's seat for their return (ms), in place of the server's
   * `graceMs`, for the drops from now on (Colyseus's `allowReconnection(client, seconds)` for everyone).
   * Shorter: when it runs out the player leaves the room (`onLeave` with RECONNECTION_EXPIRED), while
   * their session lives on for the rest of `graceMs`: back, they find the room left with that code. Longer:
   * the session is held as long, and its expiry ends it (SESSION_EXPIRED). 0 lets a dropped player go at
   * once, `undefined` goes back to the server's. Anything but a number of ms in 0..MAX_RECONNECTION_MS
   * (10 minutes) throws a RangeError and changes nothing.
   */
  setReconnectionMs(ms: number | undefined): void {
    checkReconnectionMs('reconnectionMs', ms, true);
    this.#reconnectionMs = ms;
  }

  /**
   * Holds the seat of `client`, away now, `ms` from their drop, whatever the room's `reconnectionMs`: for
   * this absence only (call it from `onAway`, or later while they are away: 0 lets them go now, as a
   * match that ended would). Shorter or longer than the server's `graceMs` as for `setReconnectionMs`.
   * A member who is not away, or not a member, is left as they are; an `ms` that is no number of ms in
   * 0..MAX_RECONNECTION_MS throws a RangeError and changes nothing.
   */
  holdSeat(client: RoomClient, ms: number): void {
    checkReconnectionMs('holdSeat: ms', ms, false);
    this.#port().holdSeat(client, ms);
  }

  setMaxClients(count: number): void {
    if (!Number.isInteger(count) || count < 1 || count > 1024) {
      throw new RangeError(`maxClients must be an integer in 1..1024, got ${count}`);
    }
    this.#maxClients = count;
    this.#host?.updateListing({ maxClients: count });
  }

  /**
   * Public metadata shown in room listings and matched by filters: `patch` is merged into what is set, and
   * a key set to `undefined` is removed. Every client must be able to read every listing, so metadata the
   * protocol refuses throws a RangeError here naming the limit (`METADATA_LIMITS`: at most 16 entries,
   * keys of 1 to 32 characters, strings of at most 128, finite numbers, booleans; no key `__proto__`),
   * and the metadata stays as it was.
   */
  setMetadata(patch: Readonly<Record<string, Scalar | undefined>>): void {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw new TypeError('metadata must be a map of names to strings, numbers or booleans');
    }
    // Built with fromEntries: a `__proto__` key stays a key to refuse, never becomes the prototype.
    const next: Record<string, unknown> = Object.fromEntries([
      ...Object.entries(this.#metadata),
      ...Object.entries(patch),
    ]);
    for (const [key, value] of Object.entries(patch)) if (value === undefined) delete next[key];
    const problem = metadataProblem(next);
    if (problem !== undefined) throw new RangeError(`metadata ${problem}`);
    this.#metadata = next as Record<string, Scalar>;
    this.#host?.updateListing({ metadata: this.#metadata });
  }

  /** A locked room keeps its players but takes no new ones. */
  lock(): void {
    this.#locked = true;
    this.#host?.updateListing({ locked: true });
  }
  unlock(): void {
    this.#locked = false;
    this.#host?.updateListing({ locked: false });
  }

  /**
   * Registers the handler of the members' messages of `type`: each is checked against `schema`, a
   * valibot schema (synchronous), before `handler` sees it. The same handler answers the members'
   * requests of `type` (`room.request`) with its value (see MessageHandler). Arguments of another shape throw a TypeError
   * here, naming the type: `onMessage(type, handler)` (Colyseus's form) would otherwise register a
   * handler that never runs, every message of the type answered INTERNAL_ERROR.
   * `onMessage('*', handler)`, with no schema, takes the messages and requests of every type that has no
   * handler of its own (see CatchAllHandler), which are otherwise refused UNKNOWN_MESSAGE_TYPE.
   */
  onMessage(type: '*', handler: CatchAllHandler): Disposer;
  onMessage<S extends v.GenericSchema>(
    type: string,
    schema: S,
    handler: MessageHandler<v.InferOutput<S>>,
  ): Disposer;
  onMessage(type: string, schema: unknown, handler?: unknown): Disposer {
    if (type === '*') return this.#onAnyMessage(schema, handler);
    checkMessageRegistration(type, schema, handler);
    const registered = { schema: schema as v.GenericSchema, handler: handler as MessageHandler<unknown> };
    this.#handlers.set(type, registered);
    return () => {
      if (this.#handlers.get(type) === registered) this.#handlers.delete(type);
    };
  }

  #onAnyMessage(handler: unknown, extra: unknown): Disposer {
    if (typeof handler !== 'function' || extra !== undefined) {
      const got =
        extra === undefined
          ? describe(handler)
          : 'three arguments: no schema applies to messages of every type';
      throw new TypeError(
        `onMessage('*', handler) takes the catch-all's handler alone, (client, type, data) => { ... }, ` +
          `whose data no schema checks; got ${got}`,
      );
    }
    const registered: RegisteredHandler = { schema: undefined, handler: handler as CatchAllHandler };
    this.#catchAll = registered;
    return () => {
      if (this.#catchAll === registered) this.#catchAll = undefined;
    };
  }

  /**
   * Lets code outside the room call it by `name` (`GameServer.callRoom`, from any node): the arguments are
   * checked against `schema` (valibot, synchronous) before `handler` sees them, and what it returns (or its
   * promise resolves to) is the answer. Arguments of another shape throw a TypeError here, as `onMessage`'s.
   */
  onCall<S extends v.GenericSchema>(
    name: string,
    schema: S,
    handler: CallHandler<v.InferOutput<S>>,
  ): Disposer {
    checkMessageRegistration(name, schema, handler, 'onCall');
    const registered: RegisteredCall = { schema, handler: handler as CallHandler<unknown> };
    this.#callables.set(name, registered);
    // This registration, not its handler: the same handler registered again (another schema) is kept.
    return () => {
      if (this.#callables.get(name) === registered) this.#callables.delete(name);
    };
  }

  broadcast(type: string, data?: unknown, options: BroadcastOptions = {}): void {
    this.#port().broadcast(type, data, options);
  }

  /**
   * Removes the member (`onLeave` with KICKED; the player is told `message`). A client kept from a
   * seating the player has left kicks no one, even once they are back in the room. One the room is still
   * deciding on (an async `onJoin`) has their join refused JOIN_REJECTED with `message` at once, and the
   * room hears `onLeave` with KICKED once `onJoin` has returned.
   */
  kick(client: RoomClient, message = 'kicked by the room'): void {
    this.#port().kick(client, message);
  }

  /**
   * Asks a member for an answer (socket.io's `emitWithAck`): sends `type` with `data` as a room message
   * that their client answers with its handler for `type` (`room.onRequest`), and resolves with what that
   * handler returns (or its promise resolves to; `undefined` too). Sent reliable: a player whose socket has
   * dropped gets it at their resume, and is waited for until the timeout. Rejects with a `RoomRequestError`
   * when the client refuses it (REQUEST_FAILED: its handler threw, with the app's own `reason` for a
   * `RoomError`, or its answer could not be sent; UNKNOWN_MESSAGE_TYPE: no handler; REQUEST_TIMEOUT: its
   * handler did not answer within the wait), REQUEST_TIMEOUT after `timeoutMs` (default 10,000) with no
   * answer, or, once the player leaves the room before answering, with the leave's code (NOT_IN_ROOM for
   * their own leave). Rejects at once, with nothing sent, for a player not seated here (NOT_IN_ROOM, also
   * while `onJoin` decides on them), a client that answers no requests (REQUESTS_UNSUPPORTED: an older
   * one), 64 requests to the player or 1,024 of the room waiting already (RATE_LIMITED), bad options
   * (INVALID_MESSAGE), and data the client would refuse (INVALID_MESSAGE, MESSAGE_TOO_LARGE).
   */
  request<Reply = unknown>(
    client: RoomClient,
    type: string,
    data?: unknown,
    options?: RoomAskOptions,
  ): Promise<Reply> {
    return this.#port().request(client, type, data, options) as Promise<Reply>;
  }

  /**
   * Reports how long one simulation tick took (ms), measured by the room's own loop: it feeds the
   * `tick_duration_ms` histogram (labelled by room type), the history's `tick_p99_ms` and the
   * tick-over-budget alert.
   */
  reportTick(durationMs: number): void {
    this.#port().reportTick(durationMs);
  }

  /**
   * Counts something the room saw into the server's metrics (`metrics.count`), labelled with the room
   * type: validation failures, kicks, game events. Use small closed label sets, never player ids.
   */
  count(name: string, labels: Readonly<Record<string, string>> = {}, by = 1): void {
    this.#port().count(name, labels, by);
  }

  /** Ends the room now: members are told ROOM_DISPOSED. */
  dispose(): void {
    this.#port().dispose();
  }

  /** @internal */
  [bindHost](host: RoomHostPort): void {
    this.#host = host;
  }

  /** @internal The handler of a member's message of `type`: its own, else the catch-all, if any. */
  [handlersOf](type: string): RegisteredHandler | undefined {
    return this.#handlers.get(type) ?? this.#catchAll;
  }

  /** @internal */
  [callableOf](name: string): RegisteredCall | undefined {
    return this.#callables.get(name);
  }

  #port(): RoomHostPort {
    if (!this.#host) throw new Error('this room is not hosted yet: use it from onCreate or later');
    return this.#host;
  }
}

export type RoomClass = new () => Room;

/** What kind of value `value` is, for a message saying what was given instead. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return 'an object';
  return typeof value === 'undefined' ? 'nothing' : `a ${typeof value}`;
}

/** The forms of each registration that `checkMessageRegistration` checks, for its messages. */
const REGISTRATIONS = {
  onMessage: { first: 'the message type', what: 'message', form: '(client, data) => { ... }' },
  onCall: { first: 'the name of the call', what: 'call', form: '(args) => { ... }' },
  subscribe: { first: 'the topic', what: 'topic message', form: '(data, from) => { ... }' },
} as const;

/**
 * Throws a TypeError unless `onMessage` (or `api`) was given a type, a synchronous valibot schema (what the
 * server validates with: `v.safeParse` runs its `~run`) and a handler function.
 */
export function checkMessageRegistration(
  type: unknown,
  schema: unknown,
  handler: unknown,
  api: keyof typeof REGISTRATIONS = 'onMessage',
): void {
  const { first, what, form: handlerForm } = REGISTRATIONS[api];
  if (typeof type !== 'string' || type.length === 0) {
    throw new TypeError(`${api}: the first argument is ${first}, a string; got ${describe(type)}`);
  }
  const usage = `${api}('${type.slice(0, 64)}', schema, handler)`;
  const form = `${api === 'subscribe' ? 'server' : 'this'}.${api}('${type.slice(0, 64)}', v.object({ ... }), ${handlerForm})`;
  const candidate = schema as {
    '~run'?: unknown;
    '~standard'?: { vendor?: unknown };
    async?: unknown;
  } | null;
  if (typeof schema === 'function' && handler === undefined) {
    throw new TypeError(
      `${usage}: the second argument is the ${what}'s schema (a valibot schema) and the handler is ` +
        `the third; a function came second and nothing third: ${form}. Every ${what} is validated ` +
        'before its handler sees it (v.unknown() takes anything).',
    );
  }
  if (candidate === null || (typeof schema !== 'object' && typeof schema !== 'function')) {
    throw new TypeError(
      `${usage}: the second argument must be a valibot schema; got ${describe(schema)}: ${form}`,
    );
  }
  if (typeof candidate['~run'] !== 'function') {
    const vendor = candidate['~standard']?.vendor;
    throw new TypeError(
      `${usage}: the second argument must be a valibot schema` +
        (typeof vendor === 'string'
          ? `; got a Standard Schema of '${vendor.slice(0, 32)}', which the server cannot run (only valibot's)`
          : `; got ${describe(schema)} that is not one`) +
        `: ${form}`,
    );
  }
  if (candidate.async === true) {
    throw new TypeError(
      `${usage}: the schema is asynchronous (a valibot ...Async schema), and ${what}s are validated ` +
        'synchronously as they arrive: use the synchronous schema, and do asynchronous checks in the handler',
    );
  }
  if (typeof handler !== 'function') {
    throw new TypeError(`${usage}: the third argument is the handler, a function; got ${describe(handler)}`);
  }
}

/**
 * Throws a RangeError naming `what` unless `ms` is a number of ms in 0..MAX_RECONNECTION_MS; `orUnset`:
 * `undefined` is taken too (the server's `graceMs`), as the message says.
 */
function checkReconnectionMs(what: string, ms: unknown, orUnset: boolean): void {
  if (orUnset && ms === undefined) return;
  if (!(typeof ms === 'number' && ms >= 0 && ms <= MAX_RECONNECTION_MS)) {
    const unset = orUnset ? ", or undefined for the server's graceMs" : '';
    throw new RangeError(
      `${what} must be a number of ms in 0..${MAX_RECONNECTION_MS} (10 minutes)${unset}; got ${String(ms)}`,
    );
  }
}
