import { type Clock, type Disposer, Emitter } from '../common/index.js';
import {
  ErrorCode,
  type JoinedRoom,
  type LeaveReason,
  type Member,
  type MessageClass,
  ProtocolError,
  type RoomInfo,
} from '../protocol/index.js';
import { type Conditioner, RELAY_CONTROL, RelayLink, type RelayLinkOptions } from '../transport/index.js';
import { readControl } from '../transport/keepalive.js';
import { LinkEpochs } from './mesh/link-epochs.js';
import { type MeshOptions, PeerMesh } from './mesh/peer-mesh.js';
import { VoiceChat, type VoiceOptions } from './voice/voice-chat.js';

export interface RoomSendOptions {
  /** Default 'reliable'. 'volatile' messages are dropped while disconnected. */
  class?: MessageClass;
  /** For 'expiring': ms after which the message is dropped rather than sent. Default 250. */
  ttlMs?: number;
}

export interface RoomEvents {
  'member-join': Member;
  'member-leave': { playerId: string; reason: LeaveReason };
  'member-away': { playerId: string };
  'member-back': { playerId: string };
  /**
   * Full room state again, after a resync (messages to us were lost while away). The member list it
   * brings is diffed against ours first: `member-leave` (reason `OUTBOX_OVERFLOW`: the real one was
   * among the lost messages) for each player gone, `member-join` for each newcomer, `member-away` or
   * `member-back` for each whose presence changed, all before this event, so whoever follows members
   * by those events (the peer mesh, voice) stays in step.
   */
  state: { state: unknown; members: Member[] };
  /** We are out of this room: by our own leave, a kick, disposal, shutdown or an expired session. */
  leave: { reason: LeaveReason; message: string };
  /** Signaling from a peer in this room (the server stamped `from`). */
  signal: { from: string; signal: unknown };
}

/** What the room needs from the client connection that carries it. */
export interface RoomTransport {
  readonly clock: Clock;
  /** Our own player id in this room's session. */
  readonly selfId: string;
  /** STUN/TURN servers from the server's welcome, the mesh's default. */
  iceServers(): RTCIceServer[];
  sendRoomMessage(type: string, data: unknown, options: RoomSendOptions): void;
  sendSignal(to: string, signal: unknown): void;
  sendToPeer(
    to: string,
    channel: number,
    bytes: Uint8Array,
    messageClass: MessageClass,
    ttlMs?: number,
  ): void;
  /**
   * One volatile `phys` sample for several members through the server: one DataToPeers where the server
   * takes it, one DataToPeer each where it does not (an older server).
   */
  sendPhysToPeers(to: string[], bytes: Uint8Array): void;
  leaveRoom(room: RoomConnection): Promise<void>;
  /** The developer's network conditioner, applied to peer links too. */
  readonly conditioner?: Conditioner;
  /** The client's epochs of its peer links' dispatch streams, across rooms. Default: the room's own. */
  readonly linkEpochs?: LinkEpochs;
  /**
   * Whether the session's socket is up: while it is not, what is sent through the server waits in the
   * session's outbox for the resume. Default: always.
   */
  connected?(): boolean;
}

type AnyMessages = Record<string, unknown>;

/**
 * How far the room's mesh or voice chat read the room's signals. Its subscription to them ends when it
 * closes (its `close()`, or the room's leave): that is how the room knows it is closed.
 */
interface SignalReader {
  /** Signals numbered up to this were handed to the one before it: they are not replayed to this one. */
  readonly after: number;
  /** Undefined while it listens; once it has closed, the number of the last signal it was handed. */
  readUpTo: number | undefined;
}

/** The room's mesh or voice chat, and its reader of the room's signals. */
interface SignalConsumer<T> {
  readonly value: T;
  readonly reader: SignalReader;
}

/** Enough for an offer and its candidates from every peer of a full mesh, data and voice. */
const MAX_RECENT_SIGNALS = 512;
/** Signals older than this are of no use to a late starter (its peer's attempt has timed out). */
const RECENT_SIGNAL_MS = 30_000;
/**
 * Room messages that arrive this soon after the join, before any handler of their type, wait for the
 * first one (what the room sends from `onJoin` comes right behind the join's answer).
 */
const EARLY_MESSAGE_MS = 1_000;
/** Early messages kept at most. */
const MAX_EARLY_MESSAGES = 64;

/**
 * A room joined through the client. `In` maps message types the room sends to their data, `Out` the
 * types we send; both default to untyped.
 */
export class RoomConnection<In extends AnyMessages = AnyMessages, Out extends AnyMessages = AnyMessages> {
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
  readonly #relayLinks = new Map<string, RelayLink>();
  /** The relay links `relayLink` handed to the app (the rest are the mesh's): see `#checkOnePath`. */
  readonly #appRelayLinks = new WeakSet<RelayLink>();
  #mesh: SignalConsumer<PeerMesh> | undefined;
  #voice: SignalConsumer<VoiceChat> | undefined;
  /** The reader of the mesh or voice chat being made now (see `#make`): its `consumeSignals` call is its. */
  #starting: SignalReader | undefined;
  /** Recent signals, replayed to consumers that start later than the peer that sent them (its mesh or voice came up first). */
  readonly #recentSignals: Array<{ from: string; signal: unknown; at: number; seq: number }> = [];
  /** Signals received so far: each recent one carries its number. */
  #signalCount = 0;
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
  /** Messages that came before any handler of their type, early on (see EARLY_MESSAGE_MS); undefined after. */
  #early: Array<{ type: string; data: unknown; from: string | undefined }> | undefined = [];
  readonly #joinedAt: number;
  /** This seating's number from the join's answer (undefined from servers that do not number them). */
  readonly #membership: number | undefined;

  constructor(joined: JoinedRoom, transport: RoomTransport) {
    this.info = joined.room;
    this.#membership = joined.membership;
    this.initialState = joined.state;
    this.peerPrivacy = joined.peerPrivacy ?? 'open';
    for (const member of joined.members) this.#members.set(member.playerId, member);
    this.#transport = transport;
    this.#linkEpochs = transport.linkEpochs ?? new LinkEpochs();
    this.#joinedAt = transport.clock.now();
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

  onMessage<T extends keyof In & string>(
    type: T,
    handler: (data: In[T], from: string | undefined) => void,
  ): Disposer {
    const dispose = this.#messages.on(type, ({ data, from }) => handler(data as In[T], from));
    const early = this.#early?.filter((message) => message.type === type) ?? [];
    if (early.length > 0) {
      this.#early = this.#early?.filter((message) => message.type !== type);
      for (const { data, from } of early) handler(data as In[T], from);
    }
    return dispose;
  }

  send<T extends keyof Out & string>(type: T, data: Out[T], options: RoomSendOptions = {}): void {
    if (this.#left) throw this.#gone('cannot send');
    this.#transport.sendRoomMessage(type, data, options);
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
    if (this.#meshOpen()) return (this.#mesh as SignalConsumer<PeerMesh>).value;
    this.#checkOnePath();
    this.#mesh = this.#make(this.#mesh, () => new PeerMesh(this, this.#transport.selfId, options));
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
    if (this.#voice && this.#voice.reader.readUpTo === undefined) return this.#voice.value;
    this.#voice = this.#make(this.#voice, () => new VoiceChat(this, options));
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
    if (this.#meshOpen()) {
      throw new Error(
        `room.relayLink(${peerId}): this room's mesh is open and has the relay path to every peer; ` +
          'use mesh.link(peerId), or close the mesh first',
      );
    }
    const link = this.#relayLinkTo(peerId, options);
    this.#appRelayLinks.add(link);
    return link;
  }

  /** @internal The mesh's relay path to a peer: `relayLink`'s, for the mesh. */
  meshRelayLink(peerId: string, options?: RelayLinkOptions): RelayLink {
    return this.#relayLinkTo(peerId, options);
  }

  #relayLinkTo(peerId: string, options: RelayLinkOptions | undefined): RelayLink {
    const existing = this.#relayLinks.get(peerId);
    if (existing && existing.state !== 'closed') return existing;
    if (this.#left || !this.#members.has(peerId))
      throw new ProtocolError(ErrorCode.NOT_IN_ROOM, `${peerId} is not in room ${this.roomId}`);
    return this.#openRelayLink(peerId, options);
  }

  #meshOpen(): boolean {
    return this.#mesh !== undefined && this.#mesh.reader.readUpTo === undefined;
  }

  /**
   * The mesh would take the relay path to each peer, and a relay link the app holds is that path: the
   * two were one object, each reading the other's frames, and closing the mesh closed the app's link.
   */
  #checkOnePath(): void {
    for (const [peerId, link] of this.#relayLinks) {
      if (link.state !== 'closed' && this.#appRelayLinks.has(link)) {
        throw new Error(
          `room.mesh(): the app's relay link to ${peerId} is open, and the mesh would share that path; ` +
            'close it first (link.close())',
        );
      }
    }
  }

  /** What a call on this room throws once it was left: the same code as the server's for such a call. */
  #gone(what: string): ProtocolError {
    return new ProtocolError(ErrorCode.NOT_IN_ROOM, `left room ${this.roomId}: ${what}`);
  }

  /** Apart from `relayLink`: its closure there made V8 allocate a context on every call, link made or not. */
  #openRelayLink(peerId: string, options: RelayLinkOptions | undefined): RelayLink {
    const link = new RelayLink(
      peerId,
      {
        clock: this.#transport.clock,
        send: (channel, bytes, messageClass, ttlMs) =>
          this.#transport.sendToPeer(peerId, channel, bytes, messageClass, ttlMs),
      },
      {
        deadAfterMs: Number.POSITIVE_INFINITY,
        ...(this.#transport.conditioner ? { conditioner: this.#transport.conditioner } : {}),
        ...options,
      },
    );
    this.#relayLinks.set(peerId, link);
    return link;
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
    if (this.#early !== undefined && this.#messages.listenerCount(type) === 0) {
      if (this.#transport.clock.now() - this.#joinedAt > EARLY_MESSAGE_MS) this.#early = undefined;
      else if (this.#early.length < MAX_EARLY_MESSAGES) {
        // The app subscribes once its join has resolved: a message right behind the answer would be lost.
        this.#early.push({ type, data, from });
        return;
      }
    }
    this.#messages.emit(type, { data, from });
  }

  /** @internal This seating's number (undefined from servers that do not number them). */
  get membership(): number | undefined {
    return this.#membership;
  }

  /** @internal */
  receiveSignal(from: string, signal: unknown): void {
    const now = this.#transport.clock.now();
    this.#recentSignals.push({ from, signal, at: now, seq: ++this.#signalCount });
    while (
      this.#recentSignals.length > MAX_RECENT_SIGNALS ||
      (this.#recentSignals[0]?.at ?? now) < now - RECENT_SIGNAL_MS
    ) {
      this.#recentSignals.shift();
    }
    this.#events.emit('signal', { from, signal });
  }

  /**
   * Subscribes to signals from peers, first replaying the recent ones: a peer may have started its side
   * (and sent its offer) before this side started listening. A mesh or voice chat made after an earlier
   * one closed is not handed what that one already had: those signals belong to negotiations the peers
   * have moved past (an offer it answered would have the new one answer it again, to no one).
   */
  consumeSignals(listener: (event: { from: string; signal: unknown }) => void): Disposer {
    const reader = this.#starting;
    this.#starting = undefined;
    const after = reader?.after ?? 0;
    for (const { from, signal, seq } of this.#recentSignals) if (seq > after) listener({ from, signal });
    const dispose = this.#events.on('signal', listener);
    if (!reader) return dispose;
    return () => {
      reader.readUpTo ??= this.#signalCount;
      dispose();
    };
  }

  /**
   * Makes the room's mesh or voice chat with `make`, whose `consumeSignals` call (in its constructor)
   * becomes its reader's subscription; `previous`, the closed one before it, says where its replay starts.
   */
  #make<T>(previous: SignalConsumer<T> | undefined, make: () => T): SignalConsumer<T> {
    const reader: SignalReader = { after: previous?.reader.readUpTo ?? 0, readUpTo: undefined };
    this.#starting = reader;
    try {
      return { value: make(), reader };
    } finally {
      this.#starting = undefined;
    }
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
    const link = this.#relayLinks.get(from);
    if (link !== undefined && link.state !== 'closed') link.receive(channel, bytes, serverTime);
    else if (channel === RELAY_CONTROL && readControl(bytes)?.type === 'bye') this.#peerLinkEnded(from);
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
    // Its signals belong to negotiations of a seating that ended: replayed to a mesh or voice chat made
    // after the player came back, an offer of its old mesh would be answered to its new one (whose attempts
    // number from 1 again), and its new offer taken as a second one for the same attempt.
    this.#forgetSignalsOf(playerId);
    // A new seating's links number their streams afresh: nothing of the one before is on its way.
    this.#retiredPeerEpochs.delete(playerId);
    this.#relayLinks.get(playerId)?.closeLocally();
    this.#relayLinks.delete(playerId);
    this.#events.emit('member-leave', { playerId, reason });
  }

  /** @internal The session resumed (same session, a new socket): see `onSessionResumed`. */
  applyResumed(): void {
    if (!this.#left) this.#resumed.emit('resumed', null);
  }

  #forgetSignalsOf(playerId: string): void {
    const kept = this.#recentSignals.filter((recent) => recent.from !== playerId);
    this.#recentSignals.splice(0, this.#recentSignals.length, ...kept);
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
    for (const link of this.#relayLinks.values()) link.closeLocally();
    this.#relayLinks.clear();
    this.#events.emit('leave', { reason, message });
    this.#events.removeAll();
    this.#resumed.removeAll();
    this.#messages.removeAll();
    this.#early = undefined;
  }
}

/** Whether `now` lists the member in another seating than `known` (a server that numbers them says). */
function isNewSeating(known: Member, now: Member): boolean {
  return known.seating !== undefined && now.seating !== undefined && known.seating !== now.seating;
}
