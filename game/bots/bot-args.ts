import { originProblem } from './origin.js';

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
  /**
   * Seconds after which the bots give up on a server that does not answer (default GIVE_UP_SECONDS): their
   * joins not answered by then, or, once playing, no bot connected for that long.
   */
  readonly giveUpSeconds: number;
  /**
   * Sent as the Origin header of every WebSocket upgrade, for a server whose `allowedOrigins` refuses
   * upgrades without an allowed one (Node sends none by default).
   */
  readonly origin: string | undefined;
}

/** The default of `--give-up`. */
export const GIVE_UP_SECONDS = 30;

export const USAGE =
  'usage: npm run bots -- --url URL [--count N] [--room CODE] [--seconds S] [--give-up S] [--origin O] [--rtc]\n' +
  '  URL: the game page (http://localhost:8080) or its WebSocket (ws://localhost:8080/ws);\n' +
  '    an invite link (http://localhost:8080/?code=K7Q2XM) joins its room\n' +
  '  --count: bots, 1..64 (default 1); --room: join this private room, else Quick Play\n' +
  '  --seconds: stop after this long (default: until Ctrl-C)\n' +
  `  --give-up: exit 1 when the server has not answered for this long (default ${GIVE_UP_SECONDS})\n` +
  '  --origin: the Origin the bots send, for a server that allows only some (its allowedOrigins),\n' +
  '    as a browser sends it: https://game.example.com (default: none)\n' +
  '  --rtc: direct WebRTC links (node-datachannel) instead of the WebSocket';

/** The longest run a Node timer can wait for (2^31-1 ms): past it setTimeout fires at once. */
const MAX_SECONDS = Math.floor((2 ** 31 - 1) / 1000);
const OPTIONS = ['--url', '--count', '--room', '--seconds', '--give-up', '--origin'];

/** Whether the command line asks for the usage (`--help`, `-h`): printed, exit 0. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

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
  const giveUpText = values.get('give-up') ?? String(GIVE_UP_SECONDS);
  const giveUpSeconds = /^\d+$/.test(giveUpText) ? Number(giveUpText) : Number.NaN;
  if (!(giveUpSeconds >= 1 && giveUpSeconds <= 3_600))
    throw new TypeError(`--give-up must be a whole number of seconds from 1 to 3600\n${USAGE}`);
  const origin = values.get('origin');
  const originWrong = origin === undefined ? undefined : originProblem(origin);
  if (originWrong !== undefined)
    throw new TypeError(
      `--origin ${JSON.stringify(origin)} is no origin a browser sends: ${originWrong}\n${USAGE}`,
    );
  let wsUrl: string;
  try {
    wsUrl = wsUrlOf(url);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new TypeError(`--url ${JSON.stringify(url)} is not a server URL (${why})\n${USAGE}`);
  }
  // The page's invite link (http://host:8080/?code=K7Q2XM, as the game shows it) names its room: the
  // bots join it. The server reads no code from the WebSocket URL, so they went to Quick Play instead.
  const invitedTo = inviteCodeOf(url);
  const room = values.get('room') ?? invitedTo;
  if (invitedTo !== undefined && room !== invitedTo) {
    throw new TypeError(
      `--room ${room} and the invite link's code ${invitedTo} in --url name different rooms: give one\n${USAGE}`,
    );
  }
  return { url: wsUrl, count, room, seconds, rtc, giveUpSeconds, origin };
}

/** The room code of a game page's invite link (`?code=`), or undefined; the WebSocket URL has none. */
function inviteCodeOf(url: string): string | undefined {
  const parsed = new URL(url); // wsUrlOf parsed it already
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  // Trimmed as the page trims it (game/web/main.ts).
  return parsed.searchParams.get('code')?.trim() || undefined;
}

/**
 * http://host:8080 (or an invite link, http://host:8080/?code=C) -> ws://host:8080/ws; a ws(s) URL is kept
 * as it is.
 */
export function wsUrlOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return parsed.href;
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new TypeError(`its scheme ${parsed.protocol} is not http, https, ws or wss`);
  parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
  if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/ws';
  // The page's query and fragment (an invite's ?code=) are the page's, not the endpoint's.
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}
