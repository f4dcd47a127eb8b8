import { DEFAULT_KEEPALIVE_MS } from '../../transport/keepalive.js';
import { isAddressOrHostName } from '../address-syntax.js';

/** The server link: the server as one more WebRTC peer of each player (see docs/server.md). */
export interface ServerLinkOptions {
  /** `false`: WebSocket only (TCP mode for everyone). Default: on, when node-datachannel loads. */
  enabled?: boolean;
  /**
   * The one UDP port every player's link shares (ICE UDP mux): a deployment opens just this port.
   * Default (or 0): a free port chosen at `listen()` (fine on loopback and for tests; set it in
   * production). An integer from 0 to 65535.
   */
  udpPort?: number;
  /** Address the UDP port binds to. Default: all interfaces. */
  bindAddress?: string;
  /**
   * Public addresses put in the server's candidates instead of the bound one, for a server behind NAT
   * or in a container (one candidate per address).
   */
  announcedAddresses?: string[];
  /** STUN/TURN for the server's own side, as node-datachannel takes them (`stun:host:port`). Default none. */
  iceServers?: string[];
  /** Handshakes in progress at once. Default 8. */
  maxConcurrentHandshakes?: number;
  /** Handshakes started per second at most. Default 50. */
  handshakesPerSecond?: number;
  /**
   * An address's share of the handshake slots (its block, as the per-address limits count them: an IPv6
   * /64 is one). While players of other addresses wait, slots that free go to addresses within their
   * share; an address goes over it only while none such waits, and never into the last this many free
   * slots, kept for other addresses. So sessions that never finish their handshake cannot take every slot,
   * and players behind one address (a carrier-grade NAT) still use the idle ones. Default a quarter of
   * `maxConcurrentHandshakes`, at least 1 (2 of the default 8: one address alone uses up to 6).
   */
  maxHandshakesPerAddress?: number;
  /** A direct attempt not connected by then is abandoned; TCP mode carries on (ms). Default 10,000. */
  directTimeoutMs?: number;
  /**
   * A direct attempt whose offer has no answer the server's link took by then is abandoned (ms), releasing
   * its handshake slot; an answer the link refuses ends the attempt at once (a failure). Default 5,000 (at
   * most `directTimeoutMs`).
   */
  answerTimeoutMs?: number;
  /**
   * Longest wait before the next attempt after failures (ms): 0.5 s, then doubling up to this. A client's
   * request to try again now (LinkSignalToServer `retry`) skips the wait at most once in this long.
   * Default 15,000.
   */
  retryMs?: number;
  /**
   * Failed direct attempts in a row after which a session stops trying: it stays in TCP mode and the
   * client is told (`SERVER_LINK_UNAVAILABLE`). A direct link that dies within `retryMs` of coming up counts
   * as a failed attempt. A new session, or a resume from another address, tries again. Default 6.
   */
  maxFailedAttempts?: number;
  /**
   * A player's direct path heard nothing for this long (ms, above 0): what the server sends them
   * (snapshots) goes in TCP mode, and `client.link.state` says `'relayed'`, while the path stays open;
   * anything heard on it again brings it back. Default 1,500; `Infinity`: only when the path is given up.
   */
  directQuietMs?: number;
  /** A player's direct path heard nothing for this long (ms): it is given up, and tried again. Default 4,000. */
  directDeadMs?: number;
  /** Largest message accepted from a player on the link, in bytes. Default 16 KiB. */
  maxMessageBytes?: number;
  /**
   * Messages per second accepted from one player on the link (burst twice that). Default 240. At least
   * `MIN_MESSAGES_PER_SECOND` (2): what the client's own keepalive sends.
   */
  messagesPerSecond?: number;
}

/**
 * The least `messagesPerSecond`: the client's keepalive beats once a period on each of its two paths (the
 * TCP path's beats go on while the direct one is up), and every beat counts against the rate. Below this
 * the keepalive alone was over it; each drop cost a fault, and honest players were cut off.
 */
const MIN_MESSAGES_PER_SECOND = 2 * (1_000 / DEFAULT_KEEPALIVE_MS);

/** Numeric settings and the least each may be (counts must be whole numbers). */
const NUMBERS: readonly [keyof ServerLinkOptions, 'count' | 'amount'][] = [
  ['maxConcurrentHandshakes', 'count'],
  ['handshakesPerSecond', 'amount'],
  ['maxHandshakesPerAddress', 'count'],
  ['directTimeoutMs', 'amount'],
  ['answerTimeoutMs', 'amount'],
  ['retryMs', 'amount'],
  ['maxFailedAttempts', 'count'],
  ['maxMessageBytes', 'count'],
  ['messagesPerSecond', 'amount'],
  ['directDeadMs', 'amount'],
];

/** Refuses server link settings that cannot work, naming the option. */
export function checkServerLinkOptions(options: ServerLinkOptions | undefined): void {
  // `false` and `'off'` (the client's spelling) have no `enabled` to read: taken as they were, they left
  // the server link on without a word.
  const given: unknown = options;
  if (given !== undefined && (typeof given !== 'object' || given === null || Array.isArray(given))) {
    throw new TypeError(
      `GameServer option 'serverLink' must be an object ({ enabled: false } turns the server link off), got ${JSON.stringify(given)}`,
    );
  }
  for (const [name, kind] of NUMBERS) {
    const value = options?.[name];
    if (value === undefined) continue;
    const fits =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value > 0 &&
      (kind === 'amount' || Number.isInteger(value));
    if (!fits) {
      throw new TypeError(
        `GameServer option 'serverLink.${name}' must be ${kind === 'count' ? 'an integer of at least 1' : 'a number above 0'}, got ${String(value)}`,
      );
    }
  }
  const quiet = options?.directQuietMs;
  if (quiet !== undefined && !(typeof quiet === 'number' && quiet > 0)) {
    throw new TypeError(
      `GameServer option 'serverLink.directQuietMs' must be a number above 0 (Infinity: never), got ${String(quiet)}`,
    );
  }
  const perSecond = options?.messagesPerSecond;
  if (perSecond !== undefined && perSecond < MIN_MESSAGES_PER_SECOND) {
    throw new RangeError(
      `GameServer option 'serverLink.messagesPerSecond' must be at least ${MIN_MESSAGES_PER_SECOND} (the link's own keepalive, a beat a second on each path), got ${perSecond}`,
    );
  }
  checkShapes(options);
  const udpPort = options?.udpPort;
  // node-datachannel keeps only the low 16 bits: 70000 would bind 4464 while the server reported 70000.
  if (udpPort !== undefined && !(Number.isInteger(udpPort) && udpPort >= 0 && udpPort <= 65_535)) {
    throw new TypeError(
      `GameServer option 'serverLink.udpPort' must be a port number from 1 to 65535 (or 0: a free one chosen at listen()), got ${String(udpPort)}`,
    );
  }
}

/** The ICE URL schemes node-datachannel takes for the server's own side. */
const ICE_URL = /^(stun|stuns|turn|turns):\S+$/;

/**
 * The settings that are no numbers. Unchecked, a wrong shape surfaced only at a player's handshake: a
 * string for `announcedAddresses` (as from an environment variable) threw inside node-datachannel's
 * candidate callback, which ended the process; an address with a port or a space made candidates no
 * browser could use; ICE servers given as browser objects made every attempt fail.
 */
function checkShapes(options: ServerLinkOptions | undefined): void {
  if (options?.enabled !== undefined && typeof options.enabled !== 'boolean') {
    throw new TypeError(
      `GameServer option 'serverLink.enabled' must be true or false, got ${String(options.enabled)}`,
    );
  }
  const bindAddress: unknown = options?.bindAddress;
  if (bindAddress !== undefined && !(typeof bindAddress === 'string' && isAddressOrHostName(bindAddress))) {
    throw new TypeError(
      `GameServer option 'serverLink.bindAddress' must be an IP address (IPv6 without brackets) or a host name, got ${JSON.stringify(bindAddress)}`,
    );
  }
  checkList(
    options?.announcedAddresses,
    'announcedAddresses',
    isAddressOrHostName,
    'an IP address (IPv6 without brackets) or a host name, no port',
  );
  checkList(
    options?.iceServers,
    'iceServers',
    (url) => ICE_URL.test(url),
    "a 'stun:host:port' or 'turn:user:password@host:port' string",
  );
}

function checkList(
  list: unknown,
  name: 'announcedAddresses' | 'iceServers',
  fits: (entry: string) => boolean,
  what: string,
): void {
  if (list === undefined) return;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `GameServer option 'serverLink.${name}' must be an array, got ${JSON.stringify(list)}`,
    );
  }
  for (const [index, entry] of list.entries()) {
    if (typeof entry !== 'string' || !fits(entry)) {
      throw new TypeError(
        `GameServer option 'serverLink.${name}[${index}]' must be ${what}, got ${JSON.stringify(entry)}`,
      );
    }
  }
}

/** Replaces the address of host candidates with each announced address. */
export function announcer(
  addresses: readonly string[] | undefined,
): ((candidate: string) => string[]) | undefined {
  if (!addresses || addresses.length === 0) return undefined;
  return (candidate) => {
    const parts = candidate.split(' ');
    if (parts[6] !== 'typ' || parts[7] !== 'host') return [candidate];
    return addresses.map((address) => {
      const copy = [...parts];
      copy[4] = address;
      return copy.join(' ');
    });
  };
}
