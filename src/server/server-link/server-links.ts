import { createSocket } from 'node:dgram';
import { isIP } from 'node:net';
import { type Cancel, type Clock, every } from '../../common/index.js';
import { ErrorCode, Kind, MAX_PEER_DATA_BYTES, type Message, ProtocolError } from '../../protocol/index.js';
import {
  Channel,
  DEVICE_REPORT,
  type DispatchRefusal,
  decodeDeviceReport,
  RELAY_CONTROL,
  type RtcSignal,
} from '../../transport/core.js';
import type { LoopStalls } from '../connection/loop-stalls.js';
import { StallCreditedBucket } from '../connection/stall-credited-bucket.js';
import type { MetricsSink } from '../metrics.js';
import type { ClientErrors } from '../monitoring/client-errors.js';
import type { Session } from '../sessions/session.js';
import { HandshakePacer } from './handshake-pacer.js';
import { type NativeRtc, NativeRtcLink } from './native-rtc-link.js';
import { announcer, type ServerLinkOptions } from './server-link-options.js';
import { holdUdpPort, releaseUdpPort } from './udp-port-holders.js';

type Body<K> = Extract<Message, { kind: K }>['body'];

const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024;
/** Messages a second a player may send on its link (see ServerLinkOptions.messagesPerSecond). */
const DEFAULT_MESSAGES_PER_SECOND = 240;

/**
 * The `code` of `bad_input_total` for each drop. DISPATCH_WINDOW is no wire error (nobody is told): a
 * dispatch frame too far ahead of the player's stream, or past the bytes it may hold out of order; nor
 * is EXTRA_CHANNEL: a data channel the client opened in band on its direct link (closed at once).
 * BAD_FRAME: a frame on `dispatch` that is no dispatch frame (no marker, a number that does not read),
 * or (`text`) a text message on the direct link, where every channel carries bytes, or (`bad-control`) a
 * keepalive frame on the direct link's control channel that does not read, or echoes a time the server
 * never sent.
 */
const BAD_INPUT_CODE = {
  'too-large': ErrorCode.MESSAGE_TOO_LARGE,
  rate: ErrorCode.RATE_LIMITED,
  'dispatch-window': 'DISPATCH_WINDOW',
  'extra-channel': 'EXTRA_CHANNEL',
  'bad-frame': ErrorCode.BAD_FRAME,
  text: ErrorCode.BAD_FRAME,
  'bad-control': ErrorCode.BAD_FRAME,
} as const;

/** Why a message (or a data channel) from a player's link was dropped. */
type Rejection = keyof typeof BAD_INPUT_CODE;

/** The drop for each frame a player's dispatch stream refused. */
const DISPATCH_REJECTION: Record<DispatchRefusal, Rejection> = {
  'too-large': 'too-large',
  window: 'dispatch-window',
  malformed: 'bad-frame',
};

/**
 * Every player's server link: loads node-datachannel (lazily, so a server without it still runs in TCP
 * mode), holds the shared UDP port, paces handshakes, checks what players send on the link, and hands
 * it to their room.
 */
export class ServerLinks {
  readonly #clock: Clock;
  readonly #metrics: MetricsSink;
  readonly #clientErrors: ClientErrors;
  readonly #options: ServerLinkOptions;
  readonly #route: (session: Session, channel: Channel, bytes: Uint8Array) => void;
  /** Takes a fault from the player's budget (the one its WebSocket's bad frames spend): past it, cut off. */
  readonly #fault: (session: Session, code: string) => void;
  /** Messages dropped for the rate per session, since the last fault they cost (see `#reject`). */
  readonly #rateDrops = new WeakMap<Session, number>();
  readonly #pacer: HandshakePacer;
  #native: NativeRtc | undefined;
  #udpPort = 0;
  /** Keeps the UDP port (and libjuice's thread for it) from `start()` to `close()`. */
  #udpPortHolder: { stop(): void } | undefined;
  #names = 0;
  /** Sessions whose link quality goes to the metrics once a second, while there are any. */
  readonly #sampled = new Set<Session>();
  /**
   * Each session's budget of messages from its player, on every channel of either path: what it sent
   * while the server's loop stood still (`#stalls`) is read at once after, and not held against it.
   */
  readonly #buckets = new WeakMap<Session, StallCreditedBucket>();
  readonly #stalls: LoopStalls;
  #stopSampling: Cancel | undefined;
  /**
   * While TCP-mode datagrams are handed to a link: when their frame arrived (the connection read the
   * clock once for it). NaN otherwise (the direct path, or a conditioner delivering late): read it then.
   */
  #arrivedAt = Number.NaN;
  /** Whether a direct link's set-up failure was logged already (see `open`). */
  #warnedSetup = false;

  constructor(
    clock: Clock,
    stalls: LoopStalls,
    metrics: MetricsSink,
    clientErrors: ClientErrors,
    options: ServerLinkOptions,
    route: (session: Session, channel: Channel, bytes: Uint8Array) => void,
    fault: (session: Session, code: string) => void,
  ) {
    this.#fault = fault;
    this.#clock = clock;
    this.#stalls = stalls;
    this.#metrics = metrics;
    this.#clientErrors = clientErrors;
    this.#options = options;
    this.#route = route;
    this.#pacer = new HandshakePacer(clock, {
      ...(options.maxConcurrentHandshakes ? { concurrent: options.maxConcurrentHandshakes } : {}),
      ...(options.handshakesPerSecond ? { perSecond: options.handshakesPerSecond } : {}),
      ...(options.maxHandshakesPerAddress ? { perAddress: options.maxHandshakesPerAddress } : {}),
    });
  }

  /** Whether players can get a direct link. */
  get available(): boolean {
    return this.#native !== undefined;
  }

  /**
   * The largest message a player's link may send, to tell them in the welcome: `maxMessageBytes` when it
   * is below what the protocol allows a message (16 KiB), else undefined (their link keeps to 16 KiB).
   */
  get announcedMessageBytes(): number | undefined {
    return this.#maxMessageBytes < MAX_PEER_DATA_BYTES ? this.#maxMessageBytes : undefined;
  }

  /** The shared UDP port (0 until started, or when direct links are off). */
  get udpPort(): number {
    return this.#udpPort;
  }

  get pacer(): HandshakePacer {
    return this.#pacer;
  }

  /** Loads node-datachannel and settles the UDP port. Direct links stay off if it cannot load. */
  async start(): Promise<void> {
    if (this.#options.enabled === false || this.#native) return;
    let native: NativeRtc;
    try {
      native = ((await import('node-datachannel')) as { default: NativeRtc }).default;
    } catch (error) {
      this.#metrics.count('server_link_unavailable_total');
      console.warn(`vehikill-net: no direct server links (node-datachannel did not load: ${String(error)})`);
      return;
    }
    this.#udpPort = await this.#holdUdpPort(native);
    this.#native = native;
  }

  /**
   * Binds the shared UDP port for the server's life. libjuice runs one thread per mux port and ends it,
   * closing the port, when the port's last connection goes; whoever starts the next connection (Node's
   * main thread, in `createDataChannel`) then waits for that thread to leave its poll. The thread wakes
   * on a datagram it sends itself, and when that is lost (a firewall dropping UDP) it sleeps out its
   * timeout: every room on the node stood still 3-5 s. Holding a listener keeps the thread, and the
   * port: nothing else can take it while no player has a link.
   */
  async #holdUdpPort(native: NativeRtc): Promise<number> {
    const address = this.#options.bindAddress;
    const given = this.#options.udpPort;
    if (given) {
      try {
        this.#udpPortHolder = holdUdpPort(native, given, address);
      } catch {
        throw new Error(
          `vehikill-net: the server link's UDP port ${given} (serverLink.udpPort) could not be bound on ${address ?? 'all interfaces'}; is another process using it?`,
        );
      }
      return given;
    }
    // A free port can be taken by another process before the listener binds it: try another.
    for (let attempt = 1; ; attempt++) {
      const port = await freeUdpPort(address);
      try {
        this.#udpPortHolder = new native.IceUdpMuxListener(port, address);
        return port;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  close(): void {
    const holder = this.#udpPortHolder;
    this.#udpPortHolder = undefined;
    // A configured port is parked for a server started again in this process (see `holdUdpPort`); a
    // free port chosen at `listen()` is not asked for again.
    if (holder !== undefined && this.#options.udpPort)
      releaseUdpPort(holder, this.#udpPort, this.#options.bindAddress);
    else holder?.stop();
    this.#pacer.close();
    this.#stopSampling?.();
    this.#stopSampling = undefined;
    this.#sampled.clear();
  }

  /**
   * A new session: what arrives on its link is checked as it arrives (size and rate, dispatch frames
   * included, before the link's dispatch stream holds any), then goes to its room.
   */
  attach(session: Session): void {
    const perSecond = this.#options.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
    const now = this.#clock.now();
    const bucket = new StallCreditedBucket(perSecond * 2, perSecond, now, this.#stalls.stalledMs(now));
    this.#buckets.set(session, bucket);
    const maxBytes = this.#maxMessageBytes;
    session.link.guardInbound({
      admit: (channel, bytes) => this.#admit(session, bucket, channel, bytes),
      // A dispatch message over the limit is skipped in its turn, so the player's stream goes on.
      maxDispatchBytes: maxBytes,
      refused: (reason) => this.#reject(session, DISPATCH_REJECTION[reason]),
    });
    session.link.onMessage((channel, bytes) => this.#route(session, channel, bytes));
    this.#sampled.add(session);
    this.#startSampling();
  }

  /**
   * Apart from `attach`: a closure made there shares its scope, so the sampling timer, which runs as long
   * as anyone is connected, kept the session that started it (its outbox, its link) long after it ended.
   */
  #startSampling(): void {
    this.#stopSampling ??= every(this.#clock, 1_000, () => this.#sampleQuality());
  }

  /**
   * The client's hello asked for a direct link. `address`: the address block the player connects from
   * (see `addressBlock`): its handshakes share the pacer's per-address slots.
   */
  open(session: Session, address = ''): void {
    const native = this.#native;
    if (!native) return;
    const name = `player-${++this.#names}`;
    const bucket = this.#buckets.get(session);
    const directTimeoutMs = this.#options.directTimeoutMs ?? 10_000;
    const maxFailedAttempts = this.#options.maxFailedAttempts ?? 6;
    session.link.enableDirect({
      schedule: (create, rank) => this.#pacer.request(create, { address, rank }),
      connect: (_n, signaling, answered) => {
        this.#metrics.count('server_link_handshakes_total');
        return new NativeRtcLink({
          native,
          name,
          signaling,
          answered,
          refusedChannel: () => this.#reject(session, 'extra-channel'),
          refusedText: () => this.#reject(session, 'text'),
          refusedControl: () => this.#reject(session, 'bad-control'),
          // Control frames too (keepalive beats, pings) count against the player's rate: a ping is
          // answered with a pong, one for one, however many come.
          ...(bucket ? { admitControl: () => this.#withinRate(session, bucket) } : {}),
          clock: this.#clock,
          ...(this.#options.directDeadMs === undefined ? {} : { deadAfterMs: this.#options.directDeadMs }),
          config: {
            iceServers: this.#options.iceServers ?? [],
            // What the protocol allows a message (dispatch frames included): no more for a player to
            // make the server reassemble (libdatachannel's default would be 256 KiB). One byte more,
            // because libdatachannel cuts a longer message to this length and delivers it: cut short,
            // it is over the limit (`#admit` drops it as too large), never taken for a whole one.
            maxMessageSize: this.#largestFrame + 1,
            enableIceUdpMux: true,
            portRangeBegin: this.#udpPort,
            portRangeEnd: this.#udpPort,
            ...(this.#options.bindAddress ? { bindAddress: this.#options.bindAddress } : {}),
          },
          ...(this.#options.announcedAddresses
            ? { announce: announcer(this.#options.announcedAddresses) }
            : {}),
        });
      },
      sendSignal: (n, signal) => session.send(Kind.LinkSignalFromServer, { n, s: signal as never }),
      directTimeoutMs,
      ...(this.#options.directQuietMs === undefined ? {} : { quietAfterMs: this.#options.directQuietMs }),
      answerTimeoutMs: Math.min(this.#options.answerTimeoutMs ?? 5_000, directTimeoutMs),
      retryMs: this.#options.retryMs ?? 15_000,
      maxFailedAttempts,
      address,
      outcome: (outcome) => this.#metrics.count('server_link_attempts_total', { outcome }),
      setupFailed: (error) => {
        // Once: what the stack said is for the operator (every failure is in the attempts' outcomes).
        if (!this.#warnedSetup) {
          this.#warnedSetup = true;
          console.warn(`vehikill-net: a direct server link could not be set up: ${String(error)}`);
        }
        tellSetupFailed(session);
      },
      gaveUp: (failures) => {
        this.#metrics.count('server_link_given_up_total');
        tellGaveUp(session, failures);
      },
    });
    // A resume from the address where attempts stopped: told again (the first notice may have been lost).
    if (session.link.gaveUp) tellGaveUp(session, maxFailedAttempts);
  }

  /** LinkSignalToServer: the client's answer or candidate, or a request to try again now. */
  signal(session: Session, body: Body<typeof Kind.LinkSignalToServer>): void {
    if (!session.link.directEnabled) {
      throw new ProtocolError(ErrorCode.INVALID_MESSAGE, 'no server link was offered to this session');
    }
    if (body.s) session.link.receiveSignal(body.n, body.s as RtcSignal);
    if (body.retry) session.link.retryNow();
  }

  /**
   * DatagramToServer: the TCP mode of the link. A device report travels here too, on the control
   * channel (the client sends it over the WebSocket whatever the link's path): taken from the player's
   * budget as any control frame (a batch of 64 was read, JSON and all, for the cost of one WebSocket
   * message), checked, then kept on the link for the room's adaptive rates.
   */
  datagrams(session: Session, body: Body<typeof Kind.DatagramToServer>, now = this.#clock.now()): void {
    if (body.c === RELAY_CONTROL && body.p[0]?.[0] === DEVICE_REPORT) {
      const bucket = this.#buckets.get(session);
      this.#arrivedAt = now;
      try {
        for (const payload of body.p) {
          if (bucket && !this.#withinRate(session, bucket)) continue;
          const report = decodeDeviceReport(payload);
          if (report) session.link.device = report;
          else this.#metrics.count('server_link_rejected_total', { reason: 'bad-device-report' });
        }
      } finally {
        this.#arrivedAt = Number.NaN;
      }
      return;
    }
    this.#arrivedAt = now;
    try {
      if (body.c === RELAY_CONTROL) this.#controlFrames(session, body.p, now);
      else session.link.receiveDatagrams(body.c, body.p, now);
    } finally {
      this.#arrivedAt = Number.NaN;
    }
  }

  /**
   * The link's own control frames in TCP mode (keepalive beats, pings), each taken from the player's
   * budget as on the direct link (`admitControl`): a ping is answered with a pong, one for one, and one
   * WebSocket frame carries up to 64 of them, which the socket's own rate counts as one message.
   */
  #controlFrames(session: Session, payloads: readonly Uint8Array[], now: number): void {
    const bucket = this.#buckets.get(session);
    for (const payload of payloads) {
      if (bucket && !this.#withinRate(session, bucket)) continue;
      session.link.receiveDatagram(RELAY_CONTROL, payload, now);
    }
  }

  /**
   * One payload on a data channel (0-2) in TCP mode: what `datagrams` does with a batch of one, for the
   * frame every input comes in.
   */
  datagram(session: Session, channel: number, payload: Uint8Array, now: number): void {
    this.#arrivedAt = now;
    try {
      session.link.receiveDatagram(channel, payload, now);
    } finally {
      this.#arrivedAt = Number.NaN;
    }
  }

  /** Each connected player's jitter and loss (the worse direction) into the metrics' histograms. */
  #sampleQuality(): void {
    for (const session of this.#sampled) {
      if (session.link.state === 'closed') {
        this.#sampled.delete(session);
        continue;
      }
      if (!session.connected) continue;
      const quality = session.link.quality.snapshot();
      if (Number.isFinite(quality.jitterMs)) this.#metrics.observe('link_jitter_ms', quality.jitterMs);
      const loss = Math.max(finiteOr(quality.lossUp, -1), finiteOr(quality.lossDown, -1));
      if (loss >= 0) this.#metrics.observe('link_loss_ratio', loss);
    }
    if (this.#sampled.size === 0) {
      this.#stopSampling?.();
      this.#stopSampling = undefined;
    }
  }

  get #maxMessageBytes(): number {
    return this.#options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /** The largest message a client's link sends: `maxMessageBytes`, or a whole dispatch frame if larger. */
  get #largestFrame(): number {
    return Math.max(this.#maxMessageBytes, MAX_PEER_DATA_BYTES);
  }

  /**
   * Each message as it arrives, on either path: a `phys` or `event` message over the size limit, or
   * anything past the rate, is dropped. A dispatch frame's size is its stream's to check (a message too
   * large is skipped in its turn: dropping its frame here would stall every later one); one dropped for
   * the rate is sent again by the player's link. A dispatch frame longer than any client's link sends
   * (one the direct link's SCTP cut short) is dropped here: it can only stall its sender's own stream.
   */
  #admit(session: Session, bucket: StallCreditedBucket, channel: Channel, bytes: Uint8Array): boolean {
    const limit = channel === Channel.dispatch ? this.#largestFrame : this.#maxMessageBytes;
    if (bytes.length > limit) {
      this.#reject(session, 'too-large');
      return false;
    }
    return this.#withinRate(session, bucket);
  }

  /** Takes one of the player's messages from its budget; past it, the message is dropped, counted. */
  #withinRate(session: Session, bucket: StallCreditedBucket): boolean {
    const now = Number.isNaN(this.#arrivedAt) ? this.#clock.now() : this.#arrivedAt;
    if (!bucket.take(now, this.#stalls.stalledMs(now))) {
      this.#reject(session, 'rate');
      return false;
    }
    return true;
  }

  /**
   * Counted twice: among the server link's own drops, and among all bad input by its code (the player's
   * doing: by its address, for the error-spike alert). Then charged to the player's fault budget, as a bad
   * frame on its WebSocket is, so that one who keeps sending what is dropped is cut off rather than read
   * for ever: a message too large, a bad dispatch frame, a text message or a channel of its own is a fault
   * each (an honest client's link sends none); messages over the rate cost a fault per `messagesPerSecond` of them, so a
   * burst an honest link may make (dispatch resent after a change of path) costs little, and a flood (20,000
   * a second) spends the budget within a second. Frames beyond the dispatch window cost nothing: a lossy
   * path can put an honest sender there.
   */
  #reject(session: Session, reason: Rejection): void {
    const code = BAD_INPUT_CODE[reason];
    this.#metrics.count('server_link_rejected_total', { reason });
    this.#clientErrors.count('bad_input_total', { code }, session.addressBlock);
    if (reason === 'dispatch-window' || session.ended) return;
    if (reason === 'rate') {
      const drops = (this.#rateDrops.get(session) ?? 0) + 1;
      const perFault = this.#options.messagesPerSecond ?? DEFAULT_MESSAGES_PER_SECOND;
      this.#rateDrops.set(session, drops >= perFault ? 0 : drops);
      if (drops < perFault) return;
    }
    this.#fault(session, code);
  }
}

/**
 * Tells the client (a notice, not closing) that no more direct attempts are made for this session: it
 * stays in TCP mode. Sent as it happens; lost if the player is away then, and sent again on their resume.
 */
function tellGaveUp(session: Session, failures: number): void {
  session.send(
    Kind.Error,
    {
      code: ErrorCode.SERVER_LINK_UNAVAILABLE,
      message: `no more direct server link attempts for this session: ${failures} failed in a row; it stays on the WebSocket (TCP mode). A new session, or a resume from another network, tries again`,
    },
    'volatile',
  );
}

/**
 * The native stack refused to make this attempt's connection: the player hears so (not closing; the
 * stack's own words are the operator's), and the attempt is retried after the backoff as any failure.
 */
function tellSetupFailed(session: Session): void {
  session.send(
    Kind.Error,
    {
      code: ErrorCode.SERVER_LINK_UNAVAILABLE,
      message:
        'the server could not set up a direct link for this attempt; the session stays on the WebSocket (TCP mode) and tries again later',
    },
    'volatile',
  );
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

/**
 * A UDP port free now on `bindAddress`. The socket's family is the address's: an IPv4 socket cannot bind
 * an IPv6 address (HOST=::1 stopped the start with `bind EINVAL ::1`). A name (or none) binds IPv4.
 */
async function freeUdpPort(bindAddress: string | undefined): Promise<number> {
  const socket = createSocket(bindAddress !== undefined && isIP(bindAddress) === 6 ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', (error) => {
      socket.close(); // a bind that failed leaves the socket open otherwise
      reject(error);
    });
    socket.bind(0, bindAddress, () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
