/** What `npm run bots -- ...` was asked for. */
export interface BotArgs {
  /** The server's WebSocket URL (an http(s) page URL is turned into its ws(s) /ws endpoint). */
  readonly url: string;
  readonly count: number;
  /** Join this private room's code; without it every bot uses Quick Play. */
  readonly room: string | undefined;
  /** Stop after this many seconds (default: run until Ctrl-C). */
  readonly seconds: number | undefined;
  /** Direct WebRTC links (server link and peers) through node-datachannel instead of the WebSocket. */
  readonly rtc: boolean;
}

export const USAGE =
  'usage: npm run bots -- --url URL [--count N] [--room CODE] [--seconds S] [--rtc]\n' +
  '  URL: the game page (http://localhost:8080) or its WebSocket (ws://localhost:8080/ws)';

/** Parses the command line; throws a TypeError with the usage for anything it does not understand. */
export function parseBotArgs(argv: readonly string[]): BotArgs {
  const values = new Map<string, string>();
  let rtc = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    if (arg === '--rtc') rtc = true;
    else if (['--url', '--count', '--room', '--seconds'].includes(arg) && argv[index + 1] !== undefined) {
      values.set(arg.slice(2), argv[++index] as string);
    } else throw new TypeError(`unknown argument '${arg}'\n${USAGE}`);
  }
  const url = values.get('url');
  if (!url) throw new TypeError(`--url is required\n${USAGE}`);
  const count = Number(values.get('count') ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > 64)
    throw new TypeError(`--count must be 1..64\n${USAGE}`);
  const seconds = values.has('seconds') ? Number(values.get('seconds')) : undefined;
  if (seconds !== undefined && !(seconds > 0)) throw new TypeError(`--seconds must be > 0\n${USAGE}`);
  return { url: wsUrlOf(url), count, room: values.get('room'), seconds, rtc };
}

/** http://host:8080 -> ws://host:8080/ws; a ws(s) URL is kept as it is. */
export function wsUrlOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return parsed.href;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError(`not a server URL: ${url}`);
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/ws';
  return parsed.href;
}
