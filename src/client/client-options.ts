import type { Clock } from '../common/index.js';
import type { ConditionerSettings } from '../transport/index.js';
import type { BackoffOptions } from './backoff.js';
import type { DeviceEnvironment } from './device/device-watch.js';
import type { ServerLinkMode, ServerLinkSettings } from './server-link/client-server-link.js';
import type { WebSocketConstructor } from './web-socket.js';

export interface ClientOptions {
  /**
   * WebSocket URL of the server, e.g. `ws://localhost:8080/ws`. Default in a browser: the page's own
   * host and `/ws`, with `wss:` on an https page.
   */
  url?: string;
  /**
   * Token for the server's authenticator, or a function that fetches one (called again when the server
   * says the token expired). Default: a guest token from the server's POST /auth/guest.
   */
  token?: string | (() => Promise<string>);
  /**
   * A session to take over: the `resumeToken` of a client that held it (the page before a reload, a
   * process before a restart). Within the server's grace period the first welcome gives this client that
   * session (the same `playerId`, `client.room` the room it sits in; the `open` event says `takenOver`),
   * and the client that held it is closed (SESSION_REPLACED). A token the server refuses (the session
   * ended, taken over already, of another server) or that cannot be read gives a `session-expired` event
   * saying why and a fresh session. A secret: keep it in sessionStorage, never in a URL. Default: none.
   */
  resumeToken?: string;
  /**
   * Display name asked for with the default guest token: at most 64 characters (longer is a TypeError
   * here). The server keeps letters, digits, punctuation and spaces, up to 24 (see docs/client.md);
   * `client.name` is the name it gave.
   */
  name?: string;
  /** WebSocket implementation. Default: `globalThis.WebSocket` (in Node 20 pass `WebSocket` from 'ws'). */
  WebSocket?: WebSocketConstructor;
  clock?: Clock;
  /** Reconnect delays; see backoffDelay. */
  backoff?: BackoffOptions;
  /**
   * Give up after this many consecutive failed attempts, counted across failovers to `fallbackUrls`.
   * Default: never.
   */
  maxReconnectAttempts?: number;
  /**
   * More entry points of the same cluster (WebSocket URLs). When the server holding our session cannot
   * be reached for `failoverAfterAttempts` attempts in a row, the client starts a fresh session at the
   * next entry point (`url` first, then these): its room is left with NODE_UNREACHABLE, and the app can
   * quick-play again. Default: none besides `url`.
   */
  fallbackUrls?: readonly string[];
  /** Failed reconnect attempts in a row before moving to another entry point. Default 5. */
  failoverAfterAttempts?: number;
  /** No frame from the server for this long (ms) means it is dead. Default: 3 server heartbeats. */
  deadServerTimeoutMs?: number;
  /**
   * An attempt that has not reached welcome after this many ms, getting its token included, is abandoned
   * (and tried again). Default 10,000.
   */
  connectTimeoutMs?: number;
  /** Reliable messages buffered while disconnected or unacked; beyond this `send` fails. Default 1,024. */
  outboxMessages?: number;
  /** Bytes buffered likewise. Default 1 MiB. */
  outboxBytes?: number;
  /** Ack after this many inbound sequenced messages... Default 32. */
  ackEvery?: number;
  /** ...or this many ms after the first unacked one. Default 50; at most 2^31 - 1 (what a timer can wait). */
  ackDelayMs?: number;
  /** Source of randomness for backoff jitter (tests pass a seeded one). */
  random?: () => number;
  /**
   * The direct link to the server (datagrams for inputs and snapshots). 'prefer' (default): direct
   * when the server offers it and WebRTC works, TCP mode over the WebSocket otherwise; 'require':
   * datagrams only on the direct link (an error says why there is none); 'off': WebSocket only. In
   * Node, pass `{ RTCPeerConnection }` from node-datachannel's polyfill.
   */
  serverLink?: ServerLinkMode | ServerLinkSettings;
  /**
   * Developer tool: adds latency, jitter and loss to this client's own traffic, per channel, both ways
   * (server link and peer links), to see how the game plays on a bad network. Seeded, in user space; the
   * links' quality monitors see it as they would a real bad network. Change it with `setConditions`.
   * Default: off.
   */
  conditioner?: ConditionerSettings;
  /**
   * Where device facts come from (visibility, battery, cores, memory, connection): the page's globals
   * by default; `false` reports nothing. Tests pass a fake environment.
   */
  device?: DeviceEnvironment | false;
}
