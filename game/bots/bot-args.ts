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

/** The longest run a Node timer can wait for (2^31-1 ms): past it setTimeout fires at once. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
const OPTIONS = ['--url', '--count', '--room', '--seconds'];

/** Parses the command line; throws a TypeError with the usage for anything it does not understand. */
export function parseBotArgs(argv: readonly string[]): BotArgs {
  const values = new Map<string, string>();
  let rtc = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string;
    const value = argv[index + 1];
    if (arg === '--rtc') {
      if (rtc) throw new TypeError(`--rtc given twice\n${USAGE}`);
      rtc = true;
    } else if (OPTIONS.includes(arg)) {
      // A missing value, or the next option taken for one (`--room --rtc`), is a mistake, not a value.
      if (value === undefined || value === '' || value.startsWith('--'))
        throw new TypeError(`${arg} needs a value\n${USAGE}`);
      if (values.has(arg.slice(2))) throw new TypeError(`${arg} given twice\n${USAGE}`);
      values.set(arg.slice(2), value);
      index++;
    } else throw new TypeError(`unknown argument '${arg}'\n${USAGE}`);
  }
  const url = values.get('url');
  if (!url) throw new TypeError(`--url is required\n${USAGE}`);
  // Plain decimal digits only: Number() would also take '0x10', '1e1' and ' 2'.
  const countText = values.get('count') ?? '1';
  const count = /^\d+$/.test(countText) ? Number(countText) : Number.NaN;
  if (!Number.isInteger(count) || count < 1 || count > 64)
    throw new TypeError(`--count must be 1..64\n${USAGE}`);
  const secondsText = values.get('seconds');
  const seconds =
    secondsText === undefined
      ? undefined
      : /^\d+(\.\d+)?$/.test(secondsText)
        ? Number(secondsText)
        : Number.NaN;
  if (seconds !== undefined && !(seconds > 0 && seconds <= MAX_SECONDS))
    throw new TypeError(`--seconds must be > 0 and at most ${MAX_SECONDS}\n${USAGE}`);
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
