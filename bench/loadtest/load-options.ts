import { originProblem } from '../../game/bots/origin.js';

/** Command-line options of `npm run loadtest`, parsed and checked. */
export interface LoadOptions {
  /** Entry WebSocket URLs (several nodes of a cluster: clients are spread over them). */
  urls: string[];
  rooms: number;
  /** Players per room, the creator included. */
  players: number;
  /** Room type to create (the lobby's 'chat' by default). */
  type: string;
  /** How long the players stay and chat once seated, in seconds. */
  seconds: number;
  /** Each player sends one chat line this often (ms). */
  intervalMs: number;
  /** Players connecting at once (a ramp, not a stampede). */
  concurrency: number;
  /** A seated player with a chat line not back after this long (ms) counts as stalled, not seated. */
  stallMs: number;
  /**
   * Sent as the Origin header of every WebSocket upgrade, for servers whose `allowedOrigins` refuse
   * upgrades without an allowed one (Node sends none by default).
   */
  origin?: string | undefined;
}

/**
 * The most clients (rooms x players) one load generator process drives. Past about a thousand full clients
 * its own core saturates (the CCU bench's bot process, BENCHMARKS.md), and then it measures itself rather
 * than the server: its round trips grow and its chat lines fall behind. Chat clients are lighter than those
 * bots, hence twice that; for more, run several processes (on several machines).
 */
export const MAX_CLIENTS = 2_000;

export const usage = `usage: npm run loadtest -- --url ws://127.0.0.1:8080/ws [--url ...] --rooms R --players P
  [--type chat] [--seconds 20] [--interval-ms 1000] [--concurrency 50] [--stall-ms 5000]
  [--origin https://game.example.com]  (the Origin sent, for servers that allow only some; default none)
  Players send 'chat' messages {text}; the --type's rooms must broadcast each to every member, the sender
  included (a 'chat' message with that text), or its lines count as never back and its players as stalled.
  At most ${MAX_CLIENTS} clients (R x P) per process: for more, run several processes.`;

/**
 * Why `url` is no WebSocket URL the load can connect to, or undefined: it must parse as a URL (a port past
 * 65535, an unclosed `[` or a space refuses it), be ws:// or wss://, and name a host and a port from 1 to
 * 65535 (or none, the scheme's).
 */
export function urlProblem(url: string): string | undefined {
  // The URL parser refuses a port past 65535 with just 'Invalid URL': say which part is wrong.
  // A user:password@ before the host is skipped: a numeric password is no port.
  const port = /^[a-z]+:\/\/(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:[@]*):(\d+)(?:[/?#]|$)/i.exec(url)?.[1];
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65_535))
    return `its port ${port} is not from 1 to 65535`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it is not a valid URL';
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return 'it is not a ws:// or wss:// URL';
  if (parsed.hostname === '') return 'it names no host';
  return undefined;
}

const FLAGS = [
  '--url',
  '--rooms',
  '--players',
  '--type',
  '--seconds',
  '--interval-ms',
  '--concurrency',
  '--stall-ms',
  '--origin',
];

export function parseLoadOptions(argv: readonly string[]): LoadOptions {
  const options: LoadOptions = {
    urls: [],
    rooms: 0,
    players: 0,
    type: 'chat',
    seconds: 20,
    intervalMs: 1_000,
    concurrency: 50,
    stallMs: 5_000,
    origin: undefined,
  };
  // Plain decimal digits only: Number() would also take '0x10', '1e2', ' 5' or '5.0'.
  const count = (name: string, text: string | undefined, min: number, max: number): number => {
    if (text === undefined) throw new TypeError(`--${name} needs a value\n${usage}`);
    const value = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
    if (!(value >= min && value <= max)) {
      throw new TypeError(
        `--${name} must be a whole number from ${min} to ${max} in decimal digits, got ${JSON.stringify(text)}`,
      );
    }
    return value;
  };
  // A repeat would silently replace the first value; --url alone adds (one per node).
  const given = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag !== undefined && flag !== '--url' && given.has(flag)) {
      const first = JSON.stringify(given.get(flag));
      throw new TypeError(`${flag} is given twice (${first}, then ${JSON.stringify(value)}): give it once`);
    }
    if (flag !== undefined) given.set(flag, value);
    if (!FLAGS.includes(String(flag))) throw new TypeError(`unknown option ${String(flag)}\n${usage}`);
    // A missing value, or the next option taken for one (`--type --seconds 5`), is a mistake, not a value.
    if (value === undefined || value.startsWith('--'))
      throw new TypeError(`${String(flag)} needs a value\n${usage}`);
    switch (flag) {
      case '--url':
        for (const url of value.split(',')) {
          const problem = urlProblem(url);
          if (problem !== undefined)
            throw new TypeError(
              `--url must be a ws:// or wss:// URL, got ${JSON.stringify(url)}: ${problem}`,
            );
          options.urls.push(url);
        }
        break;
      case '--rooms':
        options.rooms = count('rooms', value, 1, 10_000);
        break;
      case '--players':
        options.players = count('players', value, 1, 64);
        break;
      case '--type':
        if (value.trim() === '') throw new TypeError('--type must name a room type, got ""');
        options.type = value;
        break;
      case '--seconds':
        options.seconds = count('seconds', value, 1, 3_600);
        break;
      case '--interval-ms':
        options.intervalMs = count('interval-ms', value, 50, 60_000);
        break;
      case '--concurrency':
        options.concurrency = count('concurrency', value, 1, 1_000);
        break;
      case '--stall-ms':
        options.stallMs = count('stall-ms', value, 100, 600_000);
        break;
      case '--origin': {
        const problem = originProblem(value);
        if (problem !== undefined)
          throw new TypeError(
            `--origin must be an origin as browsers send it, got ${JSON.stringify(value)}: ${problem}`,
          );
        options.origin = value;
        break;
      }
      default:
        throw new TypeError(`unknown option ${String(flag)}\n${usage}`);
    }
  }
  // Say what is missing: the usage alone leaves the reader to find it.
  const missing = [
    ...(options.urls.length === 0 ? ['--url'] : []),
    ...(options.rooms === 0 ? ['--rooms'] : []),
    ...(options.players === 0 ? ['--players'] : []),
  ];
  if (missing.length > 0) throw new TypeError(`missing ${missing.join(', ')}\n${usage}`);
  const clients = options.rooms * options.players;
  if (clients > MAX_CLIENTS) {
    throw new TypeError(
      `--rooms ${options.rooms} x --players ${options.players} is ${clients} clients, more than one load ` +
        `generator process drives well (at most ${MAX_CLIENTS}): lower --rooms to ` +
        `${Math.floor(MAX_CLIENTS / options.players)} or fewer, or run several processes`,
    );
  }
  return options;
}
