import * as v from 'valibot';
import { type Disposer, Emitter, TokenBucket } from '../../common/index.js';
import { MAX_PEER_DATA_BYTES } from '../../protocol/index.js';
import {
  Channel,
  checkSendArguments,
  DISPATCH_HEADER_MAX_BYTES,
  type DispatchEpochs,
  dataFrameEpoch,
  epochNewer,
  type InboundPath,
  MAX_DISPATCH_BYTES,
  RELAY_CHANNEL_NUMBER,
  type RelayLink,
  type RtcPeerConnectionConstructor,
} from '../../transport/index.js';
import { onBrowserOnline } from '../browser-online.js';
import { onPageShownAfterAway } from '../page-shown.js';
import { PEER_OFFER_REFILL_MS } from '../peer-offer-budget.js';
import { icePolicyFor } from '../peer-privacy.js';
import type { RoomConnection } from '../room-connection.js';
import { rtcSignalSchema } from '../signal-schema.js';
import { DepartedPeers, type KeptPeerState } from './departed-peers.js';
import { FloodWatch } from './flood-watch.js';
import type { MeshEvents, RejectReason } from './mesh-events.js';
import {
  checkMeshOptions,
  DEFAULT_FLOOD_PENALTY_MS,
  DEFAULT_PEER_MESSAGES_PER_SECOND,
  type MeshOptions,
} from './mesh-options.js';
import type { MeshSendRefusal, MeshSendResult } from './mesh-send-result.js';
import { PeerLink, type PeerSignal, type RtcAttemptOptions } from './peer-link.js';
import { PEER_LINK_REFILL_MS, peerLinkBudget } from './peer-link-budget.js';
import { RefusalReports } from './refusal-reports.js';
import { RelayFanout } from './relay-fanout.js';

/**
 * A peer's link replaced after its goodbye sooner than this after the last time holds off the direct path
 * for the rest of it (see `PeerMesh.#relink`): as often as a peer's offers are acted on past their first
 * few, so goodbyes buy a peer no more WebRTC attempts than offers do.
 */
const RELINK_PACE_MS = 2_000;

const attempt = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000));
/** The sending link's epoch (see PeerSignal); absent from older clients. */
const epoch = v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255)));
const peerSignal = v.union([
  v.object({ n: attempt, e: epoch, o: v.optional(v.literal(true)), signal: rtcSignalSchema }),
  v.object({ n: attempt, e: epoch, declined: v.literal(true) }),
]);

/**
 * The room's peer mesh: a Link to every other member, direct over WebRTC where it can be had and through
 * the server otherwise, switching by itself. Messages from peers are size- and rate-limited per peer;
 * a peer can be blocked. Peer data never decides anything: it is input to be checked like any other.
 */
export class PeerMesh {
  readonly #room: RoomConnection;
  readonly #selfId: string;
  readonly #options: MeshOptions;
  readonly #links = new Map<string, PeerLink>();
  /** Each peer's relay path (its PeerLink's fallback), for broadcasts fanned out over the relay. */
  readonly #relays = new Map<string, RelayLink>();
  readonly #fanout: RelayFanout;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #floods = new Map<string, FloodWatch>();
  readonly #blocked = new Set<string>();
  readonly #events = new Emitter<MeshEvents>();
  readonly #refusals: RefusalReports<RejectReason>;
  readonly #disposers: Disposer[] = [];
  readonly #ctor: RtcPeerConnectionConstructor | undefined;
  /** When each peer's link was last replaced after a goodbye (see `#relink`). */
  readonly #relinkedAt = new Map<string, number>();
  /** How many more links the mesh makes to each peer (see peer-link-budget.ts). */
  readonly #linkBudgets = new Map<string, TokenBucket>();
  /** Links made in the place of one that closed while its peer stayed (see `#relink`). */
  readonly #replacements = new WeakSet<PeerLink>();
  /** What the mesh held against players who left, for a rejoin (see `#rememberDeparted`). */
  readonly #departed = new DepartedPeers();
  #closed = false;

  /**
   * ICE servers are read from `room.iceServers()` (the server's newest, with TURN credentials it keeps
   * fresh) at each direct attempt; `options.rtc.iceServers` overrides them.
   */
  constructor(room: RoomConnection, selfId: string, options: MeshOptions = {}) {
    this.#room = room;
    this.#selfId = selfId;
    this.#options = options;
    this.#fanout = new RelayFanout(room.clock, (to, bytes) => room.sendPhysToPeers(to, bytes));
    this.#refusals = new RefusalReports(room.clock, (report) => this.#events.emit('rejected', report));
    // All checked before anything is subscribed: a bad value throws here, not in a later join's listener.
    checkMeshOptions(options);
    this.#ctor =
      options.rtc === false
        ? undefined
        : (options.rtc?.RTCPeerConnection ??
          (globalThis as { RTCPeerConnection?: RtcPeerConnectionConstructor }).RTCPeerConnection);
    this.#disposers.push(
      room.on('member-join', (member) => {
        this.#connect(member.playerId);
        this.#followMeshSize();
        // A resync found it in a new seating. That seating's link may have offered already, its offer replayed
        // at our resume ahead of the member list and answered by the link the leave just closed: it would
        // wait on that answer for its attempt's timeout and retry after, 20 s. The fresh link offers now,
        // named with its own epoch: the peer's link gives way to one that takes it (PeerLink.fromNextPeerLink).
        if (room.reseating === member.playerId) this.#links.get(member.playerId)?.retryDirect();
      }),
      room.on('member-leave', ({ playerId }) => {
        this.#disconnect(playerId);
        this.#followMeshSize();
      }),
      room.on('leave', () => this.close()),
      room.onSessionResumed(() => {
        for (const link of this.#links.values()) link.sessionResumed();
      }),
    );
    // Links first: the replay of signals that came before this mesh (a peer's offer) needs them.
    for (const member of room.members) this.#connect(member.playerId);
    this.#disposers.push(room.consumeSignals(({ from, signal }) => this.#onSignal(from, signal)));
    this.#watchOnline();
  }

  /** True once `close()` ran (by the app, or the room's leave): the mesh does nothing more. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True when this side can make direct links at all. */
  get directCapable(): boolean {
    return this.#rtcOptions() !== undefined;
  }

  peers(): PeerLink[] {
    return [...this.#links.values()];
  }

  link(peerId: string): PeerLink | undefined {
    return this.#links.get(peerId);
  }

  send(peerId: string, channel: Channel, bytes: Uint8Array): boolean {
    checkSendArguments(channel, bytes);
    if (this.#blocked.has(peerId)) return false;
    return this.#links.get(peerId)?.send(channel, bytes) ?? false;
  }

  /**
   * Sends as `send` does, and says what became of the message: `'sent'`, or why it was not taken (see
   * MeshSendResult). For a game that must tell a player why, or log it; `send` is the same without the words.
   */
  trySend(peerId: string, channel: Channel, bytes: Uint8Array): MeshSendResult {
    checkSendArguments(channel, bytes);
    const refusal = this.#refusalOf(peerId, channel, bytes);
    if (refusal !== undefined) return refusal;
    const link = this.#links.get(peerId) as PeerLink;
    if (link.send(channel, bytes)) return 'sent';
    return link.state === 'closed' ? 'not-in-room' : 'backlog';
  }

  /** Why a message could not be taken whatever the link's state; undefined when it may be. */
  #refusalOf(peerId: string, channel: Channel, bytes: Uint8Array): MeshSendRefusal | undefined {
    if (this.#closed) return 'closed';
    if (peerId === this.#selfId) return 'self';
    if (!this.#links.has(peerId)) return 'not-in-room';
    if (this.#blocked.has(peerId)) return 'blocked';
    const most = channel === Channel.dispatch ? MAX_DISPATCH_BYTES : MAX_PEER_DATA_BYTES;
    return bytes.length > most ? 'too-large' : undefined;
  }

  /**
   * Sends to every peer that is not blocked; returns how many took it. `phys` for two or more peers on
   * the relay goes up once, in one message the server hands each of them (see RelayFanout); peers on a
   * direct path get it directly, and every other channel goes link by link (its order and reliability
   * are per link, across path changes).
   */
  broadcast(channel: Channel, bytes: Uint8Array): number {
    checkSendArguments(channel, bytes);
    let sent = 0;
    const relayed: RelayLink[] = [];
    for (const [peerId, link] of this.#links) {
      if (this.#blocked.has(peerId)) continue;
      const relay =
        channel === Channel.phys && link.state === 'relayed' ? this.#relays.get(peerId) : undefined;
      if (relay?.fansOut) relayed.push(relay);
      else if (link.send(channel, bytes)) sent++;
    }
    if (relayed.length >= 2) return this.#fanout.offer(relayed, bytes) ? sent + relayed.length : sent;
    // One relayed peer: its own link, as before; a broadcast still waiting would reach it after this one.
    if (channel === Channel.phys) this.#fanout.cancel();
    for (const relay of relayed) if (this.#links.get(relay.peerId)?.send(channel, bytes)) sent++;
    return sent;
  }

  on<E extends keyof MeshEvents>(event: E, listener: (payload: MeshEvents[E]) => void): Disposer {
    return this.#events.on(event, listener);
  }

  /** Stops accepting and sending anything to or from this peer (mute their data, hide ours). */
  block(peerId: string): void {
    this.#blocked.add(peerId);
  }

  unblock(peerId: string): void {
    this.#blocked.delete(peerId);
  }

  isBlocked(peerId: string): boolean {
    return this.#blocked.has(peerId);
  }

  /** The network came back (e.g. the browser's `online` event): try direct links again now. */
  retryDirect(): void {
    for (const link of this.#links.values()) link.retryDirect();
  }

  close(): void {
    this.#closed = true;
    for (const dispose of this.#disposers.splice(0)) dispose();
    for (const peerId of [...this.#links.keys()]) this.#disconnect(peerId);
    this.#refusals.close();
    this.#fanout.clear();
    this.#events.removeAll();
  }

  /**
   * The browser says the network is back, or the page is shown after long enough away that its peers
   * may have given its direct links up (a frozen tab sends no keepalive): try them now, rather than at
   * the next timed attempt.
   */
  #watchOnline(): void {
    this.#disposers.push(
      onBrowserOnline(() => this.retryDirect()),
      onPageShownAfterAway(this.#room.clock, () => this.retryDirect()),
    );
  }

  /**
   * Settings for a direct attempt starting now, with the ICE servers current now (TURN credentials
   * expire: ones copied when the mesh was made would be refused an hour later), or undefined when no
   * direct link can be had (no WebRTC, or a relay-only room without a TURN server).
   */
  #rtcOptions(): RtcAttemptOptions | undefined {
    const rtc = this.#options.rtc === false ? undefined : this.#options.rtc;
    if (!this.#ctor) return undefined;
    const iceServers = rtc?.iceServers ?? this.#room.iceServers();
    const room = this.#room;
    const { iceTransportPolicy, usable } = icePolicyFor(
      room.peerPrivacy,
      iceServers,
      rtc?.iceTransportPolicy,
    );
    if (!usable) return undefined;
    return {
      RTCPeerConnection: this.#ctor,
      iceServers,
      ...(iceTransportPolicy ? { iceTransportPolicy } : {}),
      ...(rtc?.extraConfiguration ? { extraConfiguration: rtc.extraConfiguration } : {}),
      ...(this.#options.eventLifetimeMs !== undefined
        ? { eventLifetimeMs: this.#options.eventLifetimeMs }
        : {}),
      ...(room.conditioner ? { conditioner: room.conditioner } : {}),
      ...(this.#options.directDeadMs !== undefined ? { deadAfterMs: this.#options.directDeadMs } : {}),
    };
  }

  /**
   * Whether the room is small enough for direct links (a full mesh costs each player n-1 uploads).
   * Both sides of a link compute it from the same member list, so they agree once both have heard the
   * same joins and leaves; a side that has not yet declines the other's offer, and offers itself when
   * it has (see PeerLink.setDirectAllowed).
   */
  #meshSizeAllows(): boolean {
    return this.#room.members.length <= (this.#options.maxMeshSize ?? 8);
  }

  /** After every join and leave: links made while the room was another size switch to match it. */
  #followMeshSize(): void {
    const allowed = this.#meshSizeAllows();
    for (const link of this.#links.values()) link.setDirectAllowed(allowed);
  }

  /** `kept`: what the mesh held against this peer on the link this one replaces (see `#relink`). */
  #connect(peerId: string, replacing?: KeptPeerState): void {
    if (peerId === this.#selfId || this.#links.has(peerId) || this.#room.left) return;
    const kept = replacing ?? this.#takeDeparted(peerId);
    const options = this.#options;
    const rate = options.peerMessagesPerSecond ?? DEFAULT_PEER_MESSAGES_PER_SECOND;
    const now = this.#room.clock.now();
    const bucket = kept?.bucket ?? new TokenBucket(rate * 2, rate, now);
    // Every link takes one from the budget, for a seating or in a closed one's place; past it (a peer
    // leaving and rejoining in a loop), the link holds off the direct path until there is one again, or each
    // would cost this side a WebRTC attempt. That one is charged to it, so that the next link waits longer,
    // not for the same refill.
    const links = kept?.links ?? peerLinkBudget(now);
    let heldOffMs = 0;
    if (!links.take(now)) {
      heldOffMs = links.msUntilToken(now);
      links.charge(now);
    }
    const refuseDirectForMs = Math.max(kept?.refuseDirectForMs ?? 0, heldOffMs);
    const relay = this.#room.meshRelayLink(
      peerId,
      options.eventLifetimeMs !== undefined ? { eventLifetimeMs: options.eventLifetimeMs } : undefined,
    );
    const link = new PeerLink(peerId, relay, {
      clock: this.#room.clock,
      rtc: () => this.#rtcOptions(),
      directAllowed: this.#meshSizeAllows(),
      // Both sides agree without talking: the lower id starts attempts and wins collisions.
      initiator: this.#selfId < peerId,
      sendSignal: (signal: PeerSignal) => this.#room.signal(peerId, signal),
      ...(options.directTimeoutMs !== undefined ? { directTimeoutMs: options.directTimeoutMs } : {}),
      ...(options.retryDirectMs !== undefined ? { retryDirectMs: options.retryDirectMs } : {}),
      ...(options.directQuietMs !== undefined ? { quietAfterMs: options.directQuietMs } : {}),
      ...(refuseDirectForMs > 0 ? { refuseDirectForMs } : {}),
      ...(kept ? { peerOffers: kept.peerOffers } : {}),
      // In a closed one's place: the peer may be leaving (see `#relink`).
      ...(replacing ? { awaitPeerLink: true } : {}),
      epochs: this.#epochsFor(peerId, relay),
      relayConnected: () => this.#room.relayConnected,
    });
    relay.markGoodbyes({
      followed: () => link.followedEpoch,
      // Past the link budget, a goodbye is ignored as one meant for another link when that loses nothing.
      isForUs: (followed) => link.isGoodbyeForUs(followed) && this.#mayReplace(peerId, link),
    });
    this.#buckets.set(peerId, bucket);
    this.#linkBudgets.set(peerId, links);
    this.#floods.set(peerId, kept?.flood ?? new FloodWatch(rate));
    // Checked as each frame arrives, before the dispatch stream takes it: the stream then holds nothing the
    // limits refuse, a dispatch message over the rate is refused unacked (its sender sends it again, where
    // one dropped after delivery had been acked and was lost), and what the stream refuses is reported.
    const maxBytes = this.#maxMessageBytes();
    link.guardInbound({
      admit: (channel, bytes, path) => this.#admit(peerId, channel, bytes, path),
      maxDispatchBytes: maxBytes,
      refused: (reason) => this.#refusals.refused(peerId, reason),
    });
    link.onMessage((channel, bytes) => {
      // A blocked peer's dispatch was taken (and acked) by the stream so that it is dropped, not held for
      // the unblock: see `#admit`.
      if (this.#blocked.has(peerId)) this.#refusals.refused(peerId, 'blocked');
      else this.#events.emit('message', { from: peerId, channel, bytes });
    });
    link.onState((state) => {
      this.#events.emit('peer-state', { peerId, state });
      if (state === 'closed') this.#relink(peerId, link);
    });
    this.#links.set(peerId, link);
    this.#relays.set(peerId, relay);
    if (replacing) {
      this.#replacements.add(link);
      relay.onceHeard(() => link.peerLinkHeard());
    }
  }

  /**
   * A link closed while its peer is still in the room: the peer closed its mesh, whose goodbye closed it.
   * A fresh link takes its place at once, for the peer's next mesh (a first meeting again on both sides),
   * reported as `relayed`. What the mesh holds against the peer goes over to it: its rate, its flood watch,
   * what is left of a flood penalty and its offer budget (a goodbye is one frame anyone can send: it must
   * not wipe them).
   * The fresh link starts no WebRTC attempt of its own until it hears from the peer's next link: a frame
   * of it on the relay (its keepalive beats once a second, and answers ours at once) or its offer. A player
   * whose app closes its mesh as it leaves the room says goodbye just ahead of its leave, and an attempt
   * started at once sent an offer to a player who was gone (refused by the server: NOT_IN_ROOM). A leaving
   * player's next frame never comes, however late its leave. A peer that turns its mesh off and on is
   * heard from within a second or so of its next mesh, and the attempt starts then, paced as before.
   * A link replaced again within RELINK_PACE_MS of the last time refuses the direct path for the rest of
   * that time: a new link may start a WebRTC attempt, which a peer sending goodbye after goodbye would
   * otherwise have this side make without end.
   */
  #relink(peerId: string, link: PeerLink): void {
    if (this.#closed || this.#room.left || this.#links.get(peerId) !== link) return;
    if (!this.#room.members.some((member) => member.playerId === peerId)) return;
    const now = this.#room.clock.now();
    const last = this.#relinkedAt.get(peerId) ?? Number.NEGATIVE_INFINITY;
    this.#relinkedAt.set(peerId, now);
    const kept: KeptPeerState = {
      bucket: this.#buckets.get(peerId),
      flood: this.#floods.get(peerId),
      refuseDirectForMs: Math.max(link.directRefusedForMs, last + RELINK_PACE_MS - now),
      peerOffers: link.peerOffers,
      links: this.#linkBudgets.get(peerId) ?? peerLinkBudget(now),
    };
    this.#disconnect(peerId, true);
    this.#connect(peerId, kept);
    this.#events.emit('peer-state', { peerId, state: 'relayed' });
  }

  /**
   * A new link's stream takes the next epoch towards the peer; the peer's stream that the link before it
   * took is retired, so that what that one sent before it heard our goodbye is not taken as the start of
   * the peer's next stream. A goodbye can be lost (our session's outbox full as the link closed, or a
   * resync towards the peer dropped it), and the peer's link then goes on with the retired stream, all of
   * it dropped here: a frame of it has this link say that goodbye again on the relay, which closes the
   * peer's link; its next one starts a stream this link takes (see DispatchStream).
   */
  #epochsFor(peerId: string, relay: RelayLink): DispatchEpochs {
    const retired = this.#room.retiredPeerEpochs.get(peerId);
    return {
      epoch: this.#room.linkEpochs.next(peerId),
      ...(retired === undefined ? {} : { retiredPeerEpoch: retired }),
      retiredHeard: (epoch) => relay.sayGoodbyeAgain(epoch),
    };
  }

  /** `replaced`: a fresh link follows at once (`#relink`), so what is kept of the peer stays. */
  #disconnect(peerId: string, replaced = false): void {
    const link = this.#links.get(peerId);
    const followed = link?.followedEpoch;
    // Kept by the room while the peer is a member: a mesh made again retires that stream too. So while a
    // resync tells the leave and join of a member it found in a new seating: the link may have taken that
    // seating's stream (its frames replayed at our resume ahead of the member list), which the next link
    // cannot take from its middle; retired, it has the next link say goodbye to it, and the peer's link
    // starts afresh. A link that took nothing of the peer's lets go of what an older one retired: the peer's
    // epochs go on counting with each of its links (8 bits, compared half a circle either way), so a record
    // kept through many links that took nothing would come to look newer than the peer's next stream and
    // drop it for good.
    const stays = this.#room.reseating === peerId || this.#room.members.some((m) => m.playerId === peerId);
    if (followed !== undefined && stays) this.#room.retiredPeerEpochs.set(peerId, followed);
    else if (link !== undefined) this.#room.retiredPeerEpochs.delete(peerId);
    link?.close();
    if (link !== undefined && !replaced && !this.#closed) {
      this.#refundUnusedReplacement(peerId, link);
      this.#rememberDeparted(peerId, link);
    }
    this.#links.delete(peerId);
    this.#relays.delete(peerId);
    this.#buckets.delete(peerId);
    this.#floods.delete(peerId);
    this.#linkBudgets.delete(peerId);
    if (replaced) return;
    this.#relinkedAt.delete(peerId);
    this.#refusals.forget(peerId);
  }

  /**
   * Whether the mesh replaces `link`, its link to `peerId`, for a goodbye or a later link of the peer's: when
   * its link budget has one (see peer-link-budget.ts), and past it only when keeping the link would lose
   * messages. A link of the peer's may have taken our link's stream (it acked some, or some is on its way),
   * and the peer's next link retired that stream: it drops what our link sends on it, and says the goodbye
   * again until the link goes, which a link replaced then cannot take from its middle. Kept past the budget,
   * an honest peer's link (one whose rejoins on a flaky network spent it) lost what it sent meanwhile for
   * good. A hostile peer gets a replacement past the budget only after this side sent to it, and the fresh
   * link holds off the direct path (see `#connect`). The link made takes one from the budget.
   */
  #mayReplace(peerId: string, link: PeerLink): boolean {
    return (
      this.#linkBudgets.get(peerId)?.has(this.#room.clock.now()) !== false || link.peerMayHaveTakenOurStream
    );
  }

  /**
   * The peer left while its link was the one that took the place of a link its goodbye closed (`#relink`),
   * and that link never met a link of the peer's: the goodbye was the peer's leave (its mesh closes as it
   * leaves the room, saying goodbye just ahead of the leave), not its mesh turned off and on. The link
   * served no next mesh of the peer's, so it is put back in the budget: charged, each leave and rejoin cost
   * an honest peer two links (the goodbye's and its next seating's), and three rejoins a minute held the
   * links to it on the relay for up to 50 s after. It cost this side nothing but the link: it waits for a
   * frame of the peer's next link before it starts a WebRTC attempt (see `#relink`). A peer leaving and
   * rejoining in a loop is held by the budget as before: each seating's link takes one, and a goodbye past
   * the budget replaces nothing (unless this side sent on the link, whose replacement then holds off the
   * direct path). One that sends a frame after its goodbye before it leaves has the replacement start an
   * attempt, as any link does: one attempt per goodbye, as before, within the same pace and budget.
   */
  #refundUnusedReplacement(peerId: string, link: PeerLink): void {
    if (!this.#replacements.has(link) || link.metPeerLink) return;
    this.#linkBudgets.get(peerId)?.refund(this.#room.clock.now());
  }

  /**
   * A player left: what the mesh held against it (its rate, flood watch and penalty, offer and link
   * budgets) is kept for its next seating, as the server keeps its budgets across a rejoin (see ByPair).
   * Dropped, a leave and rejoin bought a peer a fresh burst of offers to act on each time, and the answers
   * and candidates they cost this side went against its own signal budget towards the peer, which the
   * server does not refill for the rejoin: offers, rejoin, offers... made the server cut this honest side
   * off for signaling too much. It also ended a flood penalty at once, and a fresh link budget had this
   * side start a WebRTC attempt per rejoin (see peer-link-budget.ts).
   */
  #rememberDeparted(peerId: string, link: PeerLink): void {
    const now = this.#room.clock.now();
    const refusedUntil = now + link.directRefusedForMs;
    const kept: KeptPeerState = {
      bucket: this.#buckets.get(peerId),
      flood: this.#floods.get(peerId),
      refuseDirectForMs: 0,
      peerOffers: link.peerOffers,
      links: this.#linkBudgets.get(peerId) ?? peerLinkBudget(now),
    };
    const until = Math.max(now + PEER_OFFER_REFILL_MS, now + PEER_LINK_REFILL_MS, refusedUntil);
    this.#departed.remember(peerId, kept, refusedUntil, until, now);
  }

  /** What was kept of a player who left, for the link to its next seating (see `#rememberDeparted`). */
  #takeDeparted(peerId: string): KeptPeerState | undefined {
    return this.#departed.take(peerId, this.#room.clock.now());
  }

  #maxMessageBytes(): number {
    return this.#options.maxMessageBytes ?? 16 * 1024;
  }

  /**
   * Each frame from a peer as it arrives on either path. A dispatch frame (header and all) is refused
   * here only when no honest sender could make it; one over `maxMessageBytes` is skipped by the stream
   * in its turn (`maxDispatchBytes`), since refusing it here would leave a gap the stream waits on.
   */
  #admit(from: string, channel: Channel, bytes: Uint8Array, path: InboundPath): boolean {
    const reject = (reason: RejectReason) => {
      this.#refusals.refused(from, reason);
      if (path === 'direct' && reason !== 'blocked') this.#watchFlood(from);
      return false;
    };
    // A blocked peer's dispatch frames go on to the stream (within the limits below), which acks them, and are
    // dropped as they come out of it: refused here they would stay unacked, be sent again until the unblock
    // and then all be delivered, where blocking means the player never gets what the peer sent meanwhile.
    if (this.#blocked.has(from) && channel !== Channel.dispatch) return reject('blocked');
    const limit =
      channel === Channel.dispatch
        ? Math.max(this.#maxMessageBytes(), MAX_DISPATCH_BYTES) + DISPATCH_HEADER_MAX_BYTES
        : this.#maxMessageBytes();
    if (bytes.length > limit) return reject('too-large');
    if (!this.#buckets.get(from)?.take(this.#room.clock.now())) return reject('rate');
    if (channel === Channel.dispatch && path === 'fallback' && this.#missedGoodbye(from, bytes)) return false;
    return true;
  }

  /**
   * Whether a relayed dispatch frame shows that our link missed the goodbye of the peer's link (lost to a
   * full outbox or a resync), and the link was replaced for it. The frame is of a newer stream of the
   * peer's than the one the link takes (or, taking none, than the peer's link it negotiated with): the peer
   * made a new link, which retired our link's stream if the peer's old link took any of it (it acked some,
   * or some was on its way). Taken here, the link would follow the new stream while the peer's new link
   * dropped ours and said the missed goodbye again, closing it then: the fresh link in its place would
   * retire the stream it had been following, and say a goodbye of its own that closed the peer's new link
   * too, losing what the peer sent meanwhile (two links replaced for one goodbye). Replaced now, as that
   * goodbye would have done, the fresh link gets the frame and takes the new stream from its start. Past
   * the link budget too, as kept the link would lose messages (see `#mayReplace`); the fresh link then holds
   * off the direct path, and has sent nothing a next frame could make it replaced for.
   */
  #missedGoodbye(from: string, frame: Uint8Array): boolean {
    const link = this.#links.get(from);
    const relay = this.#relays.get(from);
    const epoch = dataFrameEpoch(frame);
    // The peer's link ours knows: the one whose stream it takes, else the one it negotiated with.
    const known = link?.followedEpoch ?? link?.peerLinkEpoch;
    if (link === undefined || relay === undefined || epoch === undefined || known === undefined) return false;
    // Not `#mayReplace`: keeping the link would lose messages whatever its budget (see there).
    if (!epochNewer(epoch, known) || !link.peerMayHaveTakenOurStream) return false;
    const serverTime = relay.lastServerTime;
    relay.closeLocally();
    this.#relays.get(from)?.receive(RELAY_CHANNEL_NUMBER.dispatch, frame, serverTime);
    return true;
  }

  /** Counts a refusal on `from`'s direct path; a flood sends that peer to the relay for a while. */
  #watchFlood(from: string): void {
    const forMs = this.#options.floodPenaltyMs ?? DEFAULT_FLOOD_PENALTY_MS;
    const watch = this.#floods.get(from);
    if (forMs === 0 || watch === undefined || !watch.refused(this.#room.clock.now())) return;
    watch.reset();
    this.#links.get(from)?.refuseDirectFor(forMs);
    this.#events.emit('peer-demoted', { peerId: from, reason: 'flood', forMs });
  }

  #onSignal(from: string, raw: unknown): void {
    const parsed = v.safeParse(peerSignal, raw);
    if (!parsed.success || this.#blocked.has(from)) return;
    const signal = parsed.output as PeerSignal;
    // The peer's link that ours negotiated with is gone, and its goodbye with it: closed as that goodbye
    // would have (saying none back, which only the peer's next link would hear), ours is replaced at once
    // (`#relink`), and the fresh link takes the offer.
    // Past the link budget, the link stays and takes the offer itself when that loses nothing (`#mayReplace`).
    const link = this.#links.get(from);
    if (link?.fromNextPeerLink(signal) && this.#mayReplace(from, link))
      this.#relays.get(from)?.closeLocally();
    this.#links.get(from)?.receiveSignal(signal);
  }
}
