import {
  checkSendOptions,
  encodeDatagramToServer,
  encodeMessage,
  encodeSendable,
  Kind,
  MAX_ENVELOPE_BYTES,
  MAX_FANOUT_TARGETS,
  type MessageClass,
  ProtocolError,
} from '../protocol/index.js';
import { RELAY_CHANNEL_NUMBER, RELAY_CONTROL, type SendPriority } from '../transport/index.js';
import type { RoomSendOptions } from './room-transport.js';
import type { SessionConnection } from './session-connection.js';

/** What the sends need of the session: its two queues and the server's frame limit. */
export type SendingSession = Pick<SessionConnection, 'sendSequenced' | 'sendVolatile' | 'maxFrameBytes'>;

/**
 * What a room and the server link send over the session, each in the frame the server reads it from and
 * in its send class: a room's messages, signals and relayed data to its peers (stamped with the seating,
 * `m`, that sends them), the server link's datagrams.
 */
export class SessionSends {
  readonly #session: SendingSession;
  /** Whether the server we are connected to takes DataToPeers (older ones do not: one DataToPeer each). */
  takesDataToPeers = false;

  constructor(session: SendingSession) {
    this.#session = session;
  }

  /** `request`: for a request (`room.request`), its id `q` and how long it waits for its reply, `w` (ms). */
  sendRoomMessage(
    type: string,
    data: unknown,
    options: RoomSendOptions,
    membership: number | undefined,
    request?: { q: number; w: number },
  ): void {
    const { messageClass, ttlMs } = checkSendOptions(options);
    // In this order, the one the server reads by hand (undefined fields are left out of the frame). Checked
    // as the server will read it: what it would refuse (and count as a fault) throws here.
    const inner = encodeSendable(
      Kind.ClientRoomMessage,
      { t: type, m: membership, d: data, q: request?.q, w: request?.w },
      `${request === undefined ? 'room message' : 'request'} '${String(type).slice(0, 64)}'`,
    );
    if (messageClass === 'volatile') this.#session.sendVolatile(inner);
    else this.#session.sendSequenced(inner, ttlMs);
  }

  sendSignalToPeer(to: string, signal: unknown, m: number | undefined): void {
    this.#session.sendSequenced(encodeSendable(Kind.SignalToPeer, { to, s: signal, m }, 'signal'));
  }

  sendToPeer(
    to: string,
    channel: number,
    bytes: Uint8Array,
    messageClass: MessageClass,
    ttlMs: number | undefined,
    m: number | undefined,
  ): void {
    const inner = encodeMessage(Kind.DataToPeer, { to, c: channel, p: bytes, m });
    if (messageClass === 'volatile') this.#sendVolatileToPeer(to, channel, bytes, inner);
    // Reliable on the control channel: a goodbye, which goes even past a full outbox's limits.
    else if (channel === RELAY_CONTROL && messageClass === 'reliable')
      this.#session.sendSequenced(inner, undefined, false, 'goodbyes');
    else this.#session.sendSequenced(inner, messageClass === 'expiring' ? ttlMs : undefined);
  }

  /**
   * The server link's messages on one channel, in one DatagramToServer frame when they fit the server's
   * frame limit, else in as many as they need. Volatile ones leave from the end of a turn, where a throw
   * would reach no caller: one that fits no frame is dropped, as volatile messages may be.
   */
  sendDatagrams(
    c: number,
    p: Uint8Array[],
    messageClass: 'volatile' | 'expiring' | 'reliable',
    ttlMs: number | undefined,
  ): void {
    const inner = encodeDatagramToServer(c, p);
    const overhead = messageClass === 'volatile' ? 0 : MAX_ENVELOPE_BYTES;
    if (inner.length + overhead > this.#session.maxFrameBytes && p.length > 1) {
      const half = Math.ceil(p.length / 2);
      this.sendDatagrams(c, p.slice(0, half), messageClass, ttlMs);
      this.sendDatagrams(c, p.slice(half), messageClass, ttlMs);
      return;
    }
    if (messageClass === 'volatile') this.sendVolatileOrDrop(inner);
    else this.#session.sendSequenced(inner, messageClass === 'expiring' ? ttlMs : undefined);
  }

  /**
   * A relayed volatile message waits for the send budget only as the newest of its kind for that peer:
   * a waiting phys sample is replaced by a newer one, never sent stale. The relay link's keepalive
   * (control) goes ahead of the samples, as inputs do: its beats time the path's round trip, which a
   * wait behind samples would make look slower than it is; and unkeyed, behind samples that wait, it
   * would be dropped every time and the path look dead.
   */
  #sendVolatileToPeer(to: string, channel: number, bytes: Uint8Array, inner: Uint8Array): void {
    if (channel === RELAY_CHANNEL_NUMBER.phys) this.sendVolatileOrDrop(inner, `phys:${to}`);
    else if (channel === RELAY_CONTROL) this.sendVolatileOrDrop(inner, `control:${to}:${bytes[0]}`, 'input');
    else this.sendVolatileOrDrop(inner);
  }

  /**
   * A mesh's relayed `phys` broadcast: one DataToPeers, keyed so that a newer one waiting for the rate
   * replaces it, as a link's sample replaces its own. The wire takes MAX_FANOUT_TARGETS players a message
   * and a room may hold more: then one per part, each part its own key. To a server without the kind (an
   * older one, in a rolling deploy) one DataToPeer each, as each relay link would have sent it.
   */
  sendPhysToPeers(to: string[], bytes: Uint8Array, m: number | undefined): void {
    const c = RELAY_CHANNEL_NUMBER.phys;
    if (this.takesDataToPeers) {
      for (let at = 0; at < to.length; at += MAX_FANOUT_TARGETS) {
        const part = to.length <= MAX_FANOUT_TARGETS ? to : to.slice(at, at + MAX_FANOUT_TARGETS);
        const key = at === 0 ? 'phys:*' : `phys:*${at}`;
        this.sendVolatileOrDrop(encodeMessage(Kind.DataToPeers, { to: part, c: 0, p: bytes, m }), key);
      }
      return;
    }
    for (const peer of to) {
      this.#sendVolatileToPeer(peer, c, bytes, encodeMessage(Kind.DataToPeer, { to: peer, c, p: bytes, m }));
    }
  }

  /** A volatile message from a link's timer or turn end: one over the frame limit is dropped, not thrown. */
  sendVolatileOrDrop(inner: Uint8Array, key?: string, priority?: SendPriority): void {
    try {
      this.#session.sendVolatile(inner, key, priority);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
    }
  }
}
