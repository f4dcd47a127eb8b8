import { Client } from '../../../../src/client/client.js';
import type { ClientOptions } from '../../../../src/client/client-options.js';
import type { WebSocketConstructor, WebSocketLike } from '../../../../src/client/web-socket.js';
import type { Clock } from '../../../../src/common/index.js';
import {
  type Body,
  type BodyKind,
  clientToServerKinds,
  decodeFrame,
  encodeMessage,
  type JoinedRoom,
  Kind,
  type Message,
} from '../../../../src/protocol/index.js';

const HOUR = 3_600_000;

/**
 * A server the test plays by hand, behind a stand-in WebSocket: it records every message a Client
 * sends and lets the test answer with any message, at once and without a network.
 */
export class FakeServer {
  readonly received: Message[] = [];
  socket: FakeSocket | undefined;
  /** Called with each message from the client (after it is recorded). */
  onMessage: (message: Message) => void = () => {};
  /** Larger frames close the socket with 1009 and are not read, nor anything after them (as ws does). */
  maxPayload = Number.POSITIVE_INFINITY;
  /** Frames refused for their size. */
  refused = 0;
  /** Sequence number of the newest sequenced frame read: the ack of a resume's welcome. */
  lastSeq = 0;

  /** The constructor to pass as the Client's `WebSocket` option. */
  get WebSocket(): WebSocketConstructor {
    const server = this;
    return class extends FakeSocket {
      constructor() {
        super(server);
      }
    };
  }

  /** Sends a bare message to the client. */
  send<K extends BodyKind>(kind: K, body: Body<K>): void {
    this.socket?.onmessage?.({ data: encodeMessage(kind, body) });
  }

  /** Messages of one kind the client sent so far. */
  receivedOf<K extends BodyKind>(kind: K): Body<K>[] {
    return this.received.filter((message) => message.kind === kind).map((message) => message.body as Body<K>);
  }

  /** A server that welcomes every hello as `playerId`'s fresh session, and answers nothing else. */
  static welcoming(clock: Clock, playerId = 'aaaaaaaa01'): FakeServer {
    const server = new FakeServer();
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome(playerId, clock);
    };
    return server;
  }

  /** Welcomes `playerId` to a fresh session; `extra` adds or overrides fields. */
  welcome(playerId: string, clock: Clock, extra: Partial<Body<typeof Kind.Welcome>> = {}): void {
    this.send(Kind.Welcome, {
      playerId,
      resumeToken: 'r'.repeat(32),
      name: 'a',
      resumed: false,
      resync: false,
      ack: 0,
      serverTime: clock.now(),
      heartbeatMs: 10 * HOUR, // no heartbeats to answer while the clock jumps
      graceMs: 30_000,
      ...extra,
    });
  }

  /**
   * A Client of this server on `clock`, with nothing of its own running (no device watch, no server link);
   * `options` adds to or replaces those.
   */
  client(clock: Clock, options: Partial<ClientOptions> = {}): Client {
    return new Client({
      url: 'ws://fake/ws',
      token: 'token',
      WebSocket: this.WebSocket,
      clock,
      device: false,
      serverLink: 'off',
      deadServerTimeoutMs: 100 * HOUR,
      ...options,
    });
  }
}

/** The answer to a join of `roomId`, whose members are `playerIds`; `extra` adds fields (`membership`). */
export function joinedRoom(roomId: string, playerIds: string[], extra: Partial<JoinedRoom> = {}): JoinedRoom {
  return {
    room: {
      roomId,
      type: 'test',
      private: false,
      clients: playerIds.length,
      maxClients: 8,
      metadata: {},
      nodeId: 'n',
    },
    members: playerIds.map((playerId) => ({ playerId, name: playerId.slice(0, 1), away: false })),
    ...extra,
  };
}

class FakeSocket implements WebSocketLike {
  binaryType = 'arraybuffer';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly #server: FakeServer;

  constructor(server: FakeServer) {
    this.#server = server;
    server.socket = this;
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: Uint8Array): void {
    if (this.readyState !== 1) return;
    if (data.length > this.#server.maxPayload) {
      this.#server.refused++;
      this.readyState = 2;
      queueMicrotask(() => this.close(1009, 'Max payload size exceeded'));
      return;
    }
    const frame = decodeFrame(data, clientToServerKinds);
    if (frame.envelope !== 'bare') this.#server.lastSeq = frame.seq;
    const { message } = frame;
    this.#server.received.push(message);
    this.#server.onMessage(message);
  }

  close(code = 1000, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}
