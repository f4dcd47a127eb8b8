import { type Clock, type Disposer, Emitter } from '../common/index.js';
import {
  ErrorCode,
  type JoinedRoom,
  type LeaveReason,
  type Member,
  ProtocolError,
  type RoomInfo,
} from '../protocol/index.js';
import type { Conditioner, RelayLink, RelayLinkOptions } from '../transport/index.js';
import { EarlyRoomMessages } from './early-room-messages.js';
import { LinkEpochs } from './mesh/link-epochs.js';
import type { MeshOptions } from './mesh/mesh-options.js';
import { PeerMesh } from './mesh/peer-mesh.js';
import { RoomRelayLinks } from './room-relay-links.js';
import { type RequestHandler, RoomRequestHandlers } from './room-request-handlers.js';
import type { RoomRequestOptions } from './room-requests.js';
import { RoomSignals, type SignalConsumer, stillOpen } from './room-signals.js';
import type { RoomEvents, RoomSendOptions, RoomTransport } from './room-transport.js';
import { VoiceChat, type VoiceOptions } from './voice/voice-chat.js';

type AnyMessages = Record<string, unknown>;
/** `onMessage('*', ...)`'s handler: a message of a type with no handler of its own. */
export type CatchAllHandler = (type: string, data: unknown, from: string | undefined) => void;
/** Types told in the console as unhandled, at most: a room making up types cannot flood the console. */
const MAX_UNHANDLED_TOLD = 16;
/** `send`'s data and options: the data may be left out where the type takes undefined. */
type SendArguments<Data, Options = RoomSendOptions> = undefined extends Data
  ? [data?: Data, options?: Options]
  : [data: Data, options?: Options];
/** What a request of `type` is answered with: as `Replies` says, or unknown. */
type ReplyOf<Replies, T> = T extends keyof Replies ? Replies[T] : unknown;

/**
 * A room joined through the client. `In` maps message types the room sends to their data, `Out` the
 * types we send, `Replies` the replies to the types we request (`request`); all default to untyped.
 */
export class RoomConnection<
  In extends AnyMessages = AnyMessages,
  Out extends AnyMessages = AnyMessages,
  Replies extends AnyMessages = AnyMessages,
> {
  readonly info: RoomInfo;
  /** State the room handed us on joining (its `stateFor`). */
  readonly initialState: unknown;
  /**
   * 'relay-only': the room hides players' addresses from each other. Peer links then use TURN only
   * (or the server relay when there is no TURN server); the server strips any other candidate anyway.
   */
  readonly peerPrivacy: 'open' | 'relay-only';
  readonly #members = new Map<string, Member>();
  readonly #events = new Emitter<RoomEvents>();
  readonly #messages = new Emitter<Record<string, { data: unknown; from: string | undefined }>>();
  readonly #transport: RoomTransport;
  readonly #relayLinks: RoomRelayLinks;
  readonly #signals: RoomSignals;
  #mesh: SignalConsumer<PeerMesh> | undefined;
  #voice: SignalConsumer<VoiceChat> | undefined;
  /**
   * The newest attempt of our audio connection with each member, kept across voice chats: one made after
   * `close()` numbers on from there (the peer, still on the old one, would take lower numbers for stale).
   */
  readonly #voiceAttempts = new Map<string, number>();
  readonly #linkEpochs: LinkEpochs;
  /**
   * The newest epoch of each member's dispatch stream that a closed link of ours took, kept across meshes:
   * the next mesh's link drops that stream's frames still on their way (see StreamFollower). Let go when
   * the member leaves, when a link takes nothing of its (PeerMesh), and at its goodbye while no mesh is
   * open (`receivePeerData`).
   */
  readonly #retiredPeerEpochs = new Map<string, number>();
  #left = false;
  /** The session resumed on a new socket (see `applyResumed`). */
  readonly #resumed = new Emitter<{ resumed: null }>();
  /** The member whose leave and join a resync is telling now: found in a new seating (see `reseating`). */
  #reseating: string | undefined;
  /** A resync is telling its member changes, one by one: see `resyncing`. */
  #resyncing = false;
  /** Messages that came before any handler of their type, early on. */
  readonly #early: EarlyRoomMessages;
  /** `onMessage('*', ...)`: the types with no handler of their own. */
  #catchAll: CatchAllHandler | undefined;
  /** The types a message of which came with no handler at all: told in the console once each. */
  readonly #unhandledTold = new Set<string>();
  /** This seating's number from the join's answer (undefined from servers that do not number them). */
  readonly #membership: number | undefined;
  /** Our handlers of the room's requests to us (`onRequest`), and what they are running. */
  readonly #requestHandlers: RoomRequestHandlers;

  constructor(joined: JoinedRoom, transport: RoomTransport) {
    this.info = joined.room;
    this.#membership = joined.membership;
    this.initialState = joined.state;
    this.peerPrivacy = joined.peerPrivacy ?? 'open';
    for (const member of joined.members) this.#members.set(member.playerId, member);
    this.#transport = transport;
    this.#linkEpochs = transport.linkEpochs ?? new LinkEpochs();
    this.#relayLinks = new RoomRelayLinks(transport);
    this.#signals = new RoomSignals(transport.clock, this.#events);
    this.#early = new EarlyRoomMessages(transport.clock.now());
    this.#requestHandlers = new RoomRequestHandlers(
      transport.clock,
      (q, outcome) => transport.answer(q, outcome),
      transport.clock.now(),
    );
  }

  get roomId(): string {
    return this.info.roomId;
  }
  /** Short code of a private room, to share with friends. */
  get code(): string | undefined {
    return this.info.code;
  }
  get members(): readonly Member[] {
    return [...this.#members.values()];
  }
  /** @internal The member with this id, as we know it (undefined: none). */
  memberOf(playerId: string): Member | undefined {
    return this.#members.get(playerId);
  }
  get left(): boolean {
    return this.#left;
  }
  get clock(): Clock {
    return this.#transport.clock;
  }

  on<E extends keyof RoomEvents>(event: E, listener: (payload: RoomEvents[E]) => void): Disposer {
    return this.#events.on(event, listener);
  }

  /**
   * Handles the room's messages of `type` (`from`: the player a relayed message came from, else undefined).
   * `'*'` takes, as `(type, data, from)`, every message of a type with no handler of its own (Colyseus's
   * `onMessage('*')`): one catch-all at a time, a later one replaces it. A message that has neither is
   * dropped, and the console is told once per type (past the room's first second, when early messages
   * wait for their handler: see EarlyRoomMessages).
   */
  onMessage(type: '*', handler: CatchAllHandler): Disposer;
  onMessage<T extends keyof In & string>(
    type: T,
    handler: (data: In[T], from: string | undefined) => void,
  ): Disposer;
  onMessage(
    type: string,
    handler: CatchAllHandler | ((data: never, from: string | undefined) => void),
  ): Disposer {
    if (type === '*') return this.#onAnyMessage(handler as CatchAllHandler);
    const typed = handler as (data: unknown, from: string | undefined) => void;
    const dispose = this.#messages.on(type, ({ data, from }) => typed(data, from));
    for (const { data, from } of this.#early.take(type)) typed(data, from);
    return dispose;
  }

  #onAnyMessage(handler: CatchAllHandler): Disposer {
    this.#catchAll = handler;
    // The early messages of types still without a handler, once the handlers the app registers in the
    // same go as this one (right after its join) have taken theirs.
    queueMicrotask(() => {
      if (this.#catchAll !== handler) return;
      for (const { type, data, from } of this.#early.takeAll()) {
        if (this.#messages.listenerCount(type) > 0) this.#messages.emit(type, { data, from });
        else callCatchAll(handler, type, data, from);
      }
    });
    return () => {
      if (this.#catchAll === handler) this.#catchAll = undefined;
    };
  }

  /**
   * Answers the room's requests of `type` (its `request(client, type, data)` on the server: socket.io's
   * `emitWithAck` from the server): `handler` gets the data, and what it returns, or its promise resolves
   * to, is the answer (`undefined` too). A throw or rejection answers REQUEST_FAILED: with its code and
   * message for a `RoomError` (a refusal meant for the room), with neither for anything else (logged here).
   * One handler per type: a later one replaces it. A request with no handler is refused
   * UNKNOWN_MESSAGE_TYPE, but in the first second after the join, when it waits for its handler (the room
   * may ask as the player is seated, before the app has registered its handlers). Returns what removes it.
   */
  onRequest<T extends keyof In & string>(type: T, handler: RequestHandler<In[T]>): Disposer {
    return this.#requestHandlers.on(type, handler as RequestHandler<unknown>);
  }

  /**
   * Sends a room message. A type whose data may be undefined (any type of an untyped room) may be sent
   * without it, `send('ready')`, as Colyseus's `room.send` is: the room's handler gets `undefined`.
   */
  send<T extends keyof Out & string>(type: T, ...[data, options = {}]: SendArguments<Out[T]>): void {
    if (this.#left) throw this.#gone('cannot send');
    this.#transport.sendRoomMessage(type, data, options);
  }

  /**
   * Sends a request: a room message of `type` (the room's handler for `type` gets it, as from `send`)
   * whose promise settles with the handler's value, or its promise's (`undefined` is a reply too). Sent as
   * `send` sends (reliable by default, so one sent while the socket is down goes at the resume, and is
   * answered once). Rejects with a `RoomRequestError` when the room refuses it (REQUEST_FAILED: its handler
   * threw, with the room's own `reason` for a `RoomError`; UNKNOWN_MESSAGE_TYPE: no handler;
   * INVALID_MESSAGE: its schema refused the data), REQUEST_TIMEOUT after `timeoutMs` (default 10,000)
   * with no reply (a reply after that is dropped), or, once the room is left before the reply, with the
   * leave's code (NOT_IN_ROOM for our own leave) or the session's end's. Rejects at once, with nothing sent,
   * for what `send` would throw, a room already left, and a 65th request waiting (RATE_LIMITED).
   */
  request<T extends keyof Out & string, Reply = ReplyOf<Replies, T>>(
    type: T,
    ...[data, options]: SendArguments<Out[T], RoomRequestOptions>
  ): Promise<Reply> {
    if (this.#left) return Promise.reject(this.#gone('cannot request'));
    return this.#transport.request(type, data, options) as Promise<Reply>;
  }

  /**
   * Leaves the room: at once for the app (no more events, sends throw), and resolves once the server has
   * confirmed it. Called while the connection is down, the leave waits for the resume; if the session
   * ends instead (expired, moved, given up, closed), it resolves all the same: the seat goes with it.
   * Called again, or after the room was left, it resolves at once.
   */
  leave(): Promise<void> {
    return this.#transport.leaveRoom(this);
  }

  /**
   * The peer mesh of this room: a Link to every other member, direct where WebRTC allows, relayed
   * otherwise. Created on first use with `options`; later calls return the same mesh while it is open
   * (their `options` are ignored). After `mesh.close()` the next call makes a new mesh with its
   * `options`: the way to turn the mesh off and on while staying in the room. Its peers link up with it
   * again: the closed one's goodbye closed their links to this player, and their meshes made fresh ones.
   */
  mesh(options?: MeshOptions): PeerMesh {
    if (this.#left) throw this.#gone('no mesh');
    if (stillOpen(this.#mesh)) return this.#mesh.value;
    this.#relayLinks.checkNoneOfTheApp();
    this.#mesh = this.#signals.make(this.#mesh, () => new PeerMesh(this, this.#transport.selfId, options));
    return this.#mesh.value;
  }

  /**
   * Voice chat with the room's players, on audio connections of its own. Created on first use with
   * `options`; later calls return the same one while it is open (their `options` are ignored). After
   * `voice.close()` the next call makes a new one with its `options`, which negotiates audio with
   * every peer again: the way to turn voice off and on while staying in the room. Listening needs no
   * microphone.
   */
  voice(options?: VoiceOptions): VoiceChat {
    if (this.#left) throw this.#gone('no voice');
    if (stillOpen(this.#voice)) return this.#voice.value;
    this.#voice = this.#signals.make(this.#voice, () => new VoiceChat(this, options));
    return this.#voice.value;
  }

  /** Sends signaling (offer, answer, ICE) to a peer in this room, through the server. */
  signal(to: string, signal: unknown): void {
    if (this.#left) throw this.#gone('cannot signal');
    this.#transport.sendSignal(to, signal);
  }

  /**
   * A Link to another member through the server (relay path): the three channels with TCP-aware
   * semantics. The same Link is returned until it closes (the peer left, or it was closed). It does not
   * close on silence: the server says when a member leaves, and a peer whose page stalled for a few
   * seconds (a busy CPU, a throttled background tab) must find the link still there. The relay path to
   * a peer is one per pair, and an open mesh has it: this throws then (use `mesh.link(peerId)`).
   */
  relayLink(peerId: string, options?: RelayLinkOptions): RelayLink {
    if (stillOpen(this.#mesh)) {
      throw new Error(
        `room.relayLink(${peerId}): this room's mesh is open and has the relay path to every peer; ` +
          'use mesh.link(peerId), or close the mesh first',
      );
    }
    const link = this.#relayLinkTo(peerId, options);
    this.#relayLinks.handedToApp(link);
    return link;
  }

  /** @internal The mesh's relay path to a peer: `relayLink`'s, for the mesh. */
  meshRelayLink(peerId: string, options?: RelayLinkOptions): RelayLink {
    return this.#relayLinkTo(peerId, options);
  }

  #relayLinkTo(peerId: string, options: RelayLinkOptions | undefined): RelayLink {
    const existing = this.#relayLinks.open(peerId);
    if (existing) return existing;
    if (this.#left || !this.#members.has(peerId))
      throw new ProtocolError(ErrorCode.NOT_IN_ROOM, `${peerId} is not in room ${this.roomId}`);
    return this.#relayLinks.make(peerId, options);
  }

  /** What a call on this room throws once it was left: the same code as the server's for such a call. */
  #gone(what: string): ProtocolError {
    return new ProtocolError(ErrorCode.NOT_IN_ROOM, `left room ${this.roomId}: ${what}`);
  }

  /** @internal The mesh's `phys` broadcast to its relayed peers, in one message (see RelayFanout). */
  sendPhysToPeers(to: string[], bytes: Uint8Array): void {
    if (!this.#left) this.#transport.sendPhysToPeers(to, bytes);
  }

  /** @internal The client's network conditioner, for the mesh's direct links. */
  get conditioner(): Conditioner | undefined {
    return this.#transport.conditioner;
  }

  /** @internal Called by the client as frames for this room arrive. */
  deliver(type: string, data: unknown, from: string | undefined): void {
    if (this.#messages.listenerCount(type) > 0) {
      this.#messages.emit(type, { data, from });
      return;
    }
    if (this.#catchAll) {
      callCatchAll(this.#catchAll, type, data, from);
      return;
    }
    if (this.#early.keep({ type, data, from }, this.#transport.clock.now())) return;
    // A closing client's app has let go of its handlers on purpose: what the room sends meanwhile is
    // expected to find none.
    if (this.#transport.closing?.() === true) return;
    if (this.#unhandledTold.has(type) || this.#unhandledTold.size >= MAX_UNHANDLED_TOLD) return;
    this.#unhandledTold.add(type);
    console.warn(
      `vehikill-net: room '${this.info.type}' ${this.roomId} sent '${type.slice(0, 64)}', which has no ` +
        `onMessage handler here (dropped; add room.onMessage('${type.slice(0, 64)}', ...) or ` +
        "room.onMessage('*', ...)). Told once per type.",
    );
  }

  /** @internal Called by the client as the room's requests to us arrive (`waitMs`: the request's `w`). */
  receiveRequest(q: number, type: string, data: unknown, waitMs?: number): void {
    this.#requestHandlers.receive(q, type, data, waitMs);
  }

  /** @internal This seating's number (undefined from servers that do not number them). */
  get membership(): number | undefined {
    return this.#membership;
  }

  /** @internal */
  receiveSignal(from: string, signal: unknown): void {
    this.#signals.receive(from, signal);
  }

  /**
   * Subscribes to signals from peers, first replaying the recent ones: a peer may have started its side
   * (and sent its offer) before this side started listening. A mesh or voice chat made after an earlier
   * one closed is not handed what that one already had: those signals belong to negotiations the peers
   * have moved past (an offer it answered would have the new one answer it again, to no one).
   */
  consumeSignals(listener: (event: { from: string; signal: unknown }) => void): Disposer {
    return this.#signals.consume(listener);
  }

  /** @internal The newest attempt of our audio connection with each member, across voice chats. */
  get voiceAttempts(): Map<string, number> {
    return this.#voiceAttempts;
  }

  /** @internal The epochs of our peer links' dispatch streams (see LinkEpochs). */
  get linkEpochs(): LinkEpochs {
    return this.#linkEpochs;
  }

  /** @internal Each member's newest stream a closed link of ours took, across meshes. */
  get retiredPeerEpochs(): Map<string, number> {
    return this.#retiredPeerEpochs;
  }

  /**
   * @internal Whether the session's socket is up now. While it is not, a relayed message sent waits in the
   * session's outbox and goes at the resume: one sent again meanwhile is a duplicate in that outbox.
   */
  get relayConnected(): boolean {
    return !this.#left && (this.#transport.connected?.() ?? true);
  }

  /** @internal Called as the session resumes on a new socket: what the outbox held goes now. */
  onSessionResumed(listener: () => void): Disposer {
    return this.#resumed.on('resumed', listener);
  }

  /**
   * @internal The member a resync found in a new seating (it left and came back while our socket was away),
   * while its `member-leave` and `member-join` are told; undefined otherwise.
   */
  get reseating(): string | undefined {
    return this.#reseating;
  }

  /** Our own player id. */
  get selfId(): string {
    return this.#transport.selfId;
  }

  /** The ICE servers the server handed out (with this player's TURN credentials, if any). */
  iceServers(): RTCIceServer[] {
    return this.#transport.iceServers();
  }

  /**
   * @internal `membership`: ours when the server relayed it (undefined from servers that do not say). Data
   * relayed while we sat in another room, that waited behind the answer to this room's join, is not for
   * this room's link from that peer, even when the peer moved here too.
   */
  receivePeerData(
    from: string,
    channel: number,
    bytes: Uint8Array,
    serverTime: number,
    membership: number | undefined,
  ): void {
    if (membership !== undefined && membership !== this.#membership) return;
    if (this.#relayLinks.receive(from, channel, bytes, serverTime)) this.#peerLinkEnded(from);
  }

  /**
   * A goodbye from a peer's link while we have none to it (our mesh is closed). The peer's links to us go
   * on taking its next epoch each, 8 bits counting on, while nothing here follows them: a record of its
   * stream kept through many of them would come to look newer than the peer's stream of our next mesh and
   * drop it for good. Meanwhile each of them ends with such a goodbye (ours closed one of them, once, as
   * our mesh closed; a peer that leaves takes its record with it). And the record has done its work by
   * then: the goodbye comes last of its link, which is the retired stream's or was made after that one
   * closed; the server relays the peer's frames to us in order, and a closed mesh has no direct path, so
   * every frame of the retired stream came before it. (An open mesh sees the same goodbye close its link,
   * which lets the record go when it took nothing: `PeerMesh`.) The peer's counter stays one per client,
   * across rooms: see LinkEpochs.
   */
  #peerLinkEnded(peerId: string): void {
    this.#retiredPeerEpochs.delete(peerId);
  }

  /** @internal */
  applyMemberJoined(member: Member): void {
    this.#members.set(member.playerId, member);
    this.#events.emit('member-join', member);
  }

  /** @internal */
  applyMemberLeft(playerId: string, reason: LeaveReason): void {
    this.#members.delete(playerId);
    this.#voiceAttempts.delete(playerId);
    this.#signals.forget(playerId);
    // A new seating's links number their streams afresh: nothing of the one before is on its way.
    this.#retiredPeerEpochs.delete(playerId);
    this.#relayLinks.closeOf(playerId);
    this.#events.emit('member-leave', { playerId, reason });
  }

  /** @internal The session resumed (same session, a new socket): see `onSessionResumed`. */
  applyResumed(): void {
    if (!this.#left) this.#resumed.emit('resumed', null);
  }

  /** @internal */
  applyPresence(playerId: string, away: boolean): void {
    const member = this.#members.get(playerId);
    if (member) this.#members.set(playerId, { ...member, away });
    this.#events.emit(away ? 'member-away' : 'member-back', { playerId });
  }

  /** @internal */
  applyState(state: unknown, members: Member[]): void {
    const before = new Map(this.#members);
    const now = new Map(members.map((member) => [member.playerId, member]));
    this.#resyncing = true;
    try {
      for (const playerId of before.keys()) {
        if (!now.has(playerId)) this.applyMemberLeft(playerId, ErrorCode.OUTBOX_OVERFLOW);
      }
      for (const member of members) {
        const known = before.get(member.playerId);
        if (known && isNewSeating(known, member)) {
          // It left and came back meanwhile: its links, signals and streams of the seating before are over.
          this.#reseating = member.playerId;
          try {
            this.applyMemberLeft(member.playerId, ErrorCode.OUTBOX_OVERFLOW);
            this.applyMemberJoined(member);
          } finally {
            this.#reseating = undefined;
          }
        } else if (!known) this.applyMemberJoined(member);
        else if (known.away !== member.away) this.applyPresence(member.playerId, member.away);
      }
    } finally {
      this.#resyncing = false;
    }
    // In the server's order, with every field as it says now.
    this.#members.clear();
    for (const [playerId, member] of now) this.#members.set(playerId, member);
    this.#events.emit('state', { state, members });
  }

  /**
   * @internal True while a resync tells its member changes (`member-leave`, `member-join`), one by one:
   * the members in between are a set the room never had. Whoever chooses among the members (voice above
   * `maxPeers`) chooses once, at the `state` that follows.
   */
  get resyncing(): boolean {
    return this.#resyncing;
  }

  /** @internal */
  applyLeft(reason: LeaveReason, message: string): void {
    if (this.#left) return;
    this.#left = true;
    this.#requestHandlers.left();
    this.#transport.endRequests(
      reason === 'left' ? ErrorCode.NOT_IN_ROOM : reason,
      `left room ${this.roomId} (${message})`,
    );
    this.#relayLinks.closeAll();
    this.#events.emit('leave', { reason, message });
    this.#events.removeAll();
    this.#resumed.removeAll();
    this.#messages.removeAll();
    this.#early.stop();
  }
}

/** Whether `now` lists the member in another seating than `known` (a server that numbers them says). */
function isNewSeating(known: Member, now: Member): boolean {
  return known.seating !== undefined && now.seating !== undefined && known.seating !== now.seating;
}

/**
 * Calls the catch-all as the Emitter calls a typed handler: a throw is logged, and reaches neither the
 * socket's stream (in Node, an uncaught exception) nor the early messages still to be handed over.
 */
function callCatchAll(handler: CatchAllHandler, type: string, data: unknown, from: string | undefined): void {
  try {
    handler(type, data, from);
  } catch (error) {
    console.error(`vehikill-net: an onMessage('*') handler threw on '${type.slice(0, 64)}'`, error);
  }
}
