/**
 * `npm run bots -- --url URL [--count N] [--room CODE] [--origin O]`: N headless players (1 without
 * `--count`) in one Node process, each a GameSession driven by the BotBrain, printing a short live line
 * every two seconds.
 */
import { Client, type ClientOptions, ErrorCode, type MeshOptions, ProtocolError } from 'vehikill-net/client';
import type { GameSession } from '../client/game-session.js';
import { parseBotArgs, USAGE, wantsHelp } from './bot-args.js';
import { botPlayer, drive } from './bot-player.js';
import { countingWebSocket, type Traffic } from './counting-web-socket.js';
import { sendingOrigin } from './origin.js';
import { unreachableBecause } from './reach.js';

if (wantsHelp(process.argv.slice(2))) {
  console.log(USAGE);
  process.exit(0);
}
let args: ReturnType<typeof parseBotArgs>;
try {
  args = parseBotArgs(process.argv.slice(2));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}

let rtc: { RTCPeerConnection: unknown } | undefined;
if (args.rtc) {
  const polyfill = (await import('node-datachannel/polyfill')) as { RTCPeerConnection: unknown };
  rtc = { RTCPeerConnection: polyfill.RTCPeerConnection };
}

// A client retries an address that refuses it for ever: check it once first, so that a wrong URL, a server
// not started, a web server that is not this game's or a certificate Node does not trust is said at once.
const unreachable = await unreachableBecause(args.url, { origin: args.origin });
if (unreachable !== undefined) {
  console.error(`bots: cannot play at ${args.url}: ${unreachable.why}`);
  process.exit(1);
}

const sessions: GameSession[] = [];
/** Set once every bot joined: leaving before that is the join's failure, handled there. */
let playing = false;
/** Set once playing: what `shutdown` stops besides the sessions. */
let stopDriving: (() => void) | undefined;
let stopping = false;
let report: ReturnType<typeof setInterval> | undefined;
/** How often the status line is printed (and the connection looked at). */
const STATUS_MS = 2_000;
/** The server's error codes already printed. */
const told = new Set<string>();
// From the start, not once every bot has joined: a SIGTERM meanwhile (a service manager, `timeout`) would
// otherwise kill the process with its seats held for the reconnect grace.
process.on('SIGINT', () => shutdown());
process.on('SIGTERM', () => shutdown());
/** Every bot's WebSocket payload bytes, summed. */
const traffic: Traffic = { bytesIn: 0, bytesOut: 0 };
const CountingWebSocket =
  args.origin === undefined
    ? countingWebSocket(traffic)
    : sendingOrigin(args.origin, countingWebSocket(traffic));
for (let index = 0; index < args.count; index++) {
  const client = new Client({
    url: args.url,
    name: `Bot ${index + 1}`,
    WebSocket: CountingWebSocket,
    serverLink: rtc ? ({ mode: 'prefer', ...rtc } as ClientOptions['serverLink']) : 'off',
  });
  const mesh: MeshOptions = rtc ? ({ rtc } as MeshOptions) : { rtc: false };
  const session = botPlayer({ client, seed: 1 + index, mesh });
  session.on('left', ({ reason, message }) => {
    console.log(`bot ${index + 1} left: ${reason}${message ? ` (${message})` : ''}`);
    // The server put the last of them out (shutting down, room closed, kicked): nothing is left to do,
    // and idling on as '0/N in room' would hide it from whoever runs them.
    if (playing && sessions.every((each) => each.room === undefined)) {
      console.error('bots: no bot is in a room any more; exiting');
      shutdown(1);
    }
  });
  session.on('warning', (warning) => console.log(`bot ${index + 1} warned: ${JSON.stringify(warning)}`));
  // What the server says that answers no request (a refusal it will retry, a drain notice): once per code,
  // or a server refusing every attempt would fill the screen.
  client.on('error', (error) => {
    // Shutting down, what is said is about our own close (NOT_CONNECTED: messages not sent), not the server.
    if (stopping || told.has(error.code)) return;
    told.add(error.code);
    console.log(`bots: the server said ${error.code}${error.message ? `: ${error.message}` : ''}`);
  });
  sessions.push(session);
}

// The first bot finds (or makes) the room; the rest follow it: by its code into a private room (those past
// its free seats are refused ROOM_FULL and leave, the others play), or by Quick Play, which fills the oldest
// public room with a seat and then the next one, so past a room's seats the bots play in several rooms.
const first = sessions[0] as GameSession;
if (await joinAll()) play();

/** Joins every bot; false when stopped by a signal meanwhile (the joins then fail as their sessions close). */
async function joinAll(): Promise<boolean> {
  // A server that takes the connection and never answers (a frozen process) would keep the joins waiting
  // for ever: give up after --give-up seconds. Not unref'd: it is what keeps the process waiting.
  const giveUp = setTimeout(() => {
    if (stopping) return;
    console.error(`bots: no answer to the join from ${args.url} within ${args.giveUpSeconds} s; exiting`);
    for (const session of sessions) session.close();
    process.exit(1);
  }, args.giveUpSeconds * 1_000);
  try {
    if (args.room) await first.joinByCode(args.room);
    else await first.quickPlay();
    const code = first.room?.code;
    const joins = await Promise.allSettled(
      sessions.slice(1).map((session) => (code ? session.joinByCode(code) : session.quickPlay())),
    );
    dropRefusedForSeats(joins, code);
  } catch (error) {
    if (stopping) return false;
    // A refusal (no such room, room full, server draining) is the operator's to read, not a crash.
    const reason = error instanceof ProtocolError ? `${error.code}: ${error.message}` : String(error);
    console.error(`bots could not join: ${reason}`);
    for (const session of sessions) session.close();
    process.exit(1);
  } finally {
    clearTimeout(giveUp);
  }
  // Stopped while the last joins were answered: the sessions are closed, shutdown's timer ends the process.
  return !stopping;
}

/**
 * A room with fewer free seats than bots (its creator and friends hold some) takes what fits: the bots it
 * refused ROOM_FULL close and are said in one line, and the rest play. Any other refusal throws, as the
 * first bot's does.
 */
function dropRefusedForSeats(joins: PromiseSettledResult<void>[], code: string | undefined): void {
  const refused = joins.flatMap((join, index) => (join.status === 'rejected' ? [{ index, join }] : []));
  const other = refused.find(({ join }) => !isRoomFull(join.reason));
  if (other) throw other.join.reason;
  if (refused.length === 0) return;
  // From the last, so that the indices of those before stay right; +1: the first bot is not in `joins`.
  for (const { index } of refused.reverse()) sessions.splice(index + 1, 1)[0]?.close();
  console.log(
    `bots: room ${code ?? ''} is full: ${sessions.length} of ${args.count} bots joined, ` +
      `${refused.length} refused ROOM_FULL`,
  );
}

function isRoomFull(error: unknown): boolean {
  return error instanceof ProtocolError && error.code === ErrorCode.ROOM_FULL;
}

function play(): void {
  stopDriving = drive(sessions);
  console.log(`${sessions.length} bots in ${roomsText()}`);
  const started = performance.now();
  let before = { ...traffic };
  let beforeAt = started;
  /** When the last bot lost its connection (undefined while one is connected). */
  let noneConnectedSince: number | undefined;
  report = setInterval(() => {
    const now = performance.now();
    const seconds = (now - beforeAt) / 1000;
    const perBot = (field: keyof Traffic) =>
      (traffic[field] - before[field]) / sessions.length / seconds / 1000;
    const rates = `per bot ${perBot('bytesIn').toFixed(1)} kB/s in, ${perBot('bytesOut').toFixed(1)} kB/s out (WebSocket payloads)`;
    before = { ...traffic };
    beforeAt = now;
    const connected = sessions.filter((session) => session.client.state === 'open').length;
    const reconnecting = sessions.filter((session) => session.client.state === 'reconnecting').length;
    const dropped = sessions.reduce((sum, session) => sum + session.peerSendsDropped, 0);
    console.log(
      `${Math.round((now - started) / 1000)} s | ${connected}/${sessions.length} connected` +
        `${reconnecting ? ` (${reconnecting} reconnecting)` : ''} | ` +
        `${connected === 0 ? 'no answer from the server' : matchText()} | ${rates}` +
        `${dropped ? ` | ${dropped} peer messages dropped` : ''}`,
    );
    // The server went away without a word (a crash, a network cut, a frozen process): the bots reconnect,
    // but past --give-up seconds with none connected nobody is coming back to play with them.
    if (connected > 0) noneConnectedSince = undefined;
    else noneConnectedSince ??= now;
    if (noneConnectedSince !== undefined && now - noneConnectedSince >= args.giveUpSeconds * 1_000) {
      console.error(`bots: ${args.url} has not answered for ${args.giveUpSeconds} s; exiting`);
      shutdown(1);
    }
  }, STATUS_MS);
  playing = true;
  if (args.seconds !== undefined) setTimeout(() => shutdown(), args.seconds * 1000);
}

/** The sessions in a room, by room id (a room's first bot first), in the order the bots were made. */
function byRoom(): Map<string, GameSession[]> {
  const rooms = new Map<string, GameSession[]>();
  for (const session of sessions) {
    const id = session.room?.info.roomId;
    if (id === undefined) continue;
    rooms.set(id, [...(rooms.get(id) ?? []), session]);
  }
  return rooms;
}

/** `room ID (code C)`, or `2 rooms: ID (8 bots), ID (2 bots)`. */
function roomsText(): string {
  const rooms = [...byRoom()];
  const named = ([id, inRoom]: [string, GameSession[]]) => {
    const code = inRoom[0]?.room?.code;
    return `${id}${code ? ` (code ${code})` : ''}`;
  };
  if (rooms.length === 1) return `room ${named(rooms[0] as [string, GameSession[]])}`;
  return `${rooms.length} rooms: ${rooms.map((room) => `${named(room)}: ${room[1].length} bots`).join(', ')}`;
}

/**
 * Each room's match as its first bot sees it: `in room: playing 120 s left, 3 kills` for one room, with
 * the room ids for several, so that no room's match is shown as all the bots'.
 */
function matchText(): string {
  const rooms = [...byRoom()];
  if (rooms.length === 0) return `0/${sessions.length} in a room`;
  const one = ([, inRoom]: [string, GameSession[]]) => {
    const seen = inRoom[0] as GameSession;
    const match = seen.match;
    const kills = seen.scoreboard().reduce((sum, line) => sum + (line.kills ?? 0), 0);
    return `${inRoom.length} in room: ${match?.phase ?? '-'} ${match?.secondsLeft ?? '-'} s left, ${kills} kills`;
  };
  if (rooms.length === 1) return one(rooms[0] as [string, GameSession[]]);
  return rooms.map((room) => `${room[0]} ${one(room)}`).join('; ');
}

function shutdown(code = 0): void {
  stopping = true;
  clearInterval(report);
  stopDriving?.();
  for (const session of sessions) session.close();
  // Closed sessions may let Node end by itself before the timer: the code must hold either way.
  process.exitCode = code;
  setTimeout(() => process.exit(code), 200).unref();
}
