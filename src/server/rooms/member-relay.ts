import type { Clock } from '../../common/index.js';
import {
  DEFAULT_EXPIRING_TTL_MS,
  ErrorCode,
  encodeMessage,
  Kind,
  ProtocolError,
} from '../../protocol/index.js';
import { RELAY_CONTROL } from '../../transport/core.js';
import { BYE } from '../../transport/keepalive.js';
import type { LoopStalls } from '../connection/loop-stalls.js';
import { relayOnlySignal } from '../ice/relay-only-signal.js';
import type { MetricsSink } from '../metrics.js';
import type { Session } from '../sessions/session.js';
import { RelayBudgets, type RelayLimits, RelayRefused } from './relay-budget.js';
import type { PeerPrivacy } from './room.js';
import { SignalBudgets, type SignalLimits } from './signal-budget.js';

/**
 * Relayed `event` data is dropped, not queued, when the target's send queue already holds this much:
 * behind it (and the 64 KiB the socket holds before anything queues) a message needs over 4 Mbit/s to
 * leave within the event channel's 250 ms, which a player whose socket backed up does not have. It would
 * expire in the queue anyway, and meanwhile count towards the queue's bound, past which the target is
 * cut off. Over WebRTC the event channel may lose messages too (`maxPacketLifeTime`).
 */
const RELAYED_EVENT_MAX_QUEUED_BYTES = 64 * 1024;

/** A member as the relay reaches them: their session, and the number of the seating relayed data names. */
export interface RelayTarget {
  readonly session: Session;
  /**
   * The number of this seating (`Session.seat`). Peer data relayed to this player is stamped with it, not
   * with the session's newest one: the session may already sit in the next room while still listed here.
   */
  readonly membership: number;
}

/** What the relay needs of its room. */
export interface RelayRoom {
  readonly peerPrivacy: PeerPrivacy;
  /** The member listed under this player id, if any. */
  member(playerId: string): RelayTarget | undefined;
  /** Whether this session is a member. */
  has(session: Session): boolean;
  /** A member sent something to others through the relay: the room is in use (see its idle disposal). */
  relayed(): void;
}

export interface MemberRelayContext extends SignalLimits, RelayLimits {
  readonly clock: Clock;
  /** The server's event-loop stalls, which the members' budgets do not hold against them. */
  readonly stalls: LoopStalls;
  readonly metrics: MetricsSink;
}

/**
 * What a room's members send each other through the server: WebRTC signaling, and their links' data on
 * the relay path, each within a budget per pair of members. The sender is stamped here, never trusted.
 */
export class MemberRelay {
  readonly #room: RelayRoom;
  readonly #ctx: MemberRelayContext;
  /** What each member may still signal to each other member. */
  readonly #signalBudgets: SignalBudgets;
  /** What each member may still relay to each other member on the queued channels. */
  readonly #relayBudgets: RelayBudgets;

  constructor(room: RelayRoom, ctx: MemberRelayContext) {
    this.#room = room;
    this.#ctx = ctx;
    this.#signalBudgets = new SignalBudgets(ctx);
    this.#relayBudgets = new RelayBudgets(ctx);
  }

  /** A player was seated: their budgets towards the others start. */
  seated(playerId: string, now: number): void {
    this.#signalBudgets.seated(playerId, now);
    this.#relayBudgets.seated(playerId, now);
  }

  /** A player left: their budgets go (kept a while if they come back, see ByPair). */
  left(playerId: string, now: number): void {
    this.#signalBudgets.left(playerId, now);
    this.#relayBudgets.left(playerId, now);
  }

  /**
   * The member `to` for a message from `session` (NOT_IN_ROOM unless both are members, and not the same
   * one): from here on the room counts as in use, whether the relay then takes the message or not.
   */
  #peerOf(session: Session, to: string): RelayTarget {
    const target = this.#room.member(to);
    if (!this.#room.has(session) || !target || target.session === session) {
      throw new ProtocolError(ErrorCode.NOT_IN_ROOM, 'that player is not in your room');
    }
    this.#room.relayed();
    return target;
  }

  /**
   * Signaling between two members (offer, answer, ICE). Each member has a budget towards each other member
   * (count and bytes); over it, the sender is answered RATE_LIMITED (a fault) and the target hears nothing.
   */
  signal(session: Session, to: string, signal: unknown): void {
    const target = this.#peerOf(session, to);
    const relayed = this.#room.peerPrivacy === 'relay-only' ? relayOnlySignal(signal) : signal;
    const inner =
      relayed === undefined
        ? undefined
        : // Stamped with the target's seating, as relayed data is: it may be read right behind the answer to
          // the target's next join, and its client must know which room it was relayed in.
          encodeMessage(Kind.SignalFromPeer, { from: session.playerId, s: relayed, m: target.membership });
    const now = this.#ctx.clock.now();
    const stalledMs = this.#ctx.stalls.stalledMs(now);
    if (!this.#signalBudgets.admit(session.playerId, to, now, inner?.length ?? 0, stalledMs)) {
      const { signalBurst, signalsPerSecond, signalBytesBurst, signalBytesPerSecond } = this.#ctx;
      throw new ProtocolError(
        ErrorCode.RATE_LIMITED,
        `too much signaling to player ${to}, over ${signalBurst} signals or ${signalBytesBurst.toLocaleString('en-US')} ` +
          `bytes at once, or ${signalsPerSecond} or ${signalBytesPerSecond.toLocaleString('en-US')} a second ` +
          "(the server's signalBurst, signalBytesBurst, signalsPerSecond and signalBytesPerSecond): " +
          'slow down (the signal was not relayed)',
      );
    }
    if (inner === undefined) {
      // A candidate that would show the sender's address: not an error, the sender's client may simply
      // not know the room's mode. The peer never sees it.
      this.#ctx.metrics.count('signals_filtered_total');
      return;
    }
    target.session.sendEncoded(inner, 'reliable');
  }

  /**
   * A link message between two members over the relay path, with its channel's semantics kept on TCP:
   * phys newest-only at 20 Hz, event expiring, dispatch reliable, the link's own control volatile.
   * Stamped with the target's membership here (phys: kept with the sample at the target's gate, which
   * encodes it as it lets it go, see RelayedSample): relayed data waits behind the target's other traffic
   * (at the phys gate and in the send queue), possibly until after the target is seated in the next room,
   * and its client must know it was relayed in this one.
   *
   * Every channel but phys takes its bytes from the sender's relay budget towards the target; over it,
   * the target gets nothing and the sender is told RATE_LIMITED now and then (RelayRefused, no fault).
   * Phys needs none: its gate passes one sample per sender every 50 ms and keeps only the newest waiting,
   * so it cannot pile up. Event data the target's queue is already too deep for is dropped (see
   * RELAYED_EVENT_MAX_QUEUED_BYTES).
   */
  data(session: Session, to: string, channel: number, payload: Uint8Array, ttlMs: number | undefined): void {
    const target = this.#peerOf(session, to);
    if (channel === 0) {
      if (target.session.physGate.offer(session.playerId, { payload, membership: target.membership }))
        this.#ctx.metrics.count('relayed_phys_replaced_total');
      return;
    }
    const now = this.#ctx.clock.now();
    const inner = encodeMessage(Kind.DataFromPeer, {
      from: session.playerId,
      c: channel,
      p: payload,
      t: now,
      m: target.membership,
    });
    const stalledMs = this.#ctx.stalls.stalledMs(now);
    const admitted = this.#relayBudgets.admit(session.playerId, to, now, inner.length, stalledMs);
    // A goodbye is charged but never refused: dropped, the peer's link would stay open and go on with a
    // dispatch stream the sender's next mesh drops. Its floods are held by the connection's own rate.
    const goodbye = isGoodbye(channel, payload);
    if (admitted !== 'relay' && !goodbye) {
      this.#ctx.metrics.count('relayed_data_refused_total');
      if (admitted === 'tell') throw new RelayRefused(to, this.#ctx);
      return;
    }
    if (channel === 1) {
      if (target.session.scheduler.queuedBytes >= RELAYED_EVENT_MAX_QUEUED_BYTES) {
        this.#ctx.metrics.count('relayed_events_dropped_total');
        return;
      }
      target.session.sendEncoded(inner, 'expiring', ttlMs ?? DEFAULT_EXPIRING_TTL_MS);
    } else if (channel === 2 || goodbye) target.session.sendEncoded(inner, 'reliable');
    else target.session.sendEncoded(inner, 'volatile');
  }

  /**
   * One `phys` sample for several members (DataToPeers): each gets exactly what `data` on channel 0 would
   * give it, its own DataFromPeer stamped with its membership, through its phys gate, so receivers cannot
   * tell the two apart. A listed player not (or no longer) in the room, or the sender itself, is skipped
   * and counted: a member who left since the sender last heard is a race, not a fault, and the others
   * still get the sample. The sender must be in the room (NOT_IN_ROOM otherwise, as for one peer).
   */
  physToPeers(session: Session, to: readonly string[], payload: Uint8Array): void {
    if (!this.#room.has(session)) throw new ProtocolError(ErrorCode.NOT_IN_ROOM, 'you are not in this room');
    this.#room.relayed();
    const from = session.playerId;
    let skipped = 0;
    let replaced = 0;
    for (const id of to) {
      const target = this.#room.member(id);
      if (target === undefined || target.session === session) {
        skipped++;
        continue;
      }
      // Encoded only if it leaves the target's gate (RelayedSample): a sender offering faster than the
      // gate passes costs a lookup per member, not a frame.
      if (target.session.physGate.offer(from, { payload, membership: target.membership })) replaced++;
    }
    if (skipped > 0) this.#ctx.metrics.count('relayed_fanout_skipped_total', undefined, skipped);
    if (replaced > 0) this.#ctx.metrics.count('relayed_phys_replaced_total', undefined, replaced);
  }
}

/**
 * A relay link's goodbye (its control channel, 3, carrying BYE and at most the one byte of the stream it
 * names): forwarded reliably, in order with the relayed dispatch frames before it, where the link's beats
 * on that channel go volatile (see RelayLink.close).
 */
function isGoodbye(channel: number, payload: Uint8Array): boolean {
  return channel === RELAY_CONTROL && payload.length <= 2 && payload[0] === BYE;
}
