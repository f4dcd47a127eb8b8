/**
 * `npm run bots -- --url URL --count N [--room CODE]`: N headless players in one Node process, each a
 * GameSession driven by the BotBrain, printing a short live line every two seconds.
 */
import { Client, type ClientOptions, type MeshOptions, ProtocolError } from 'vehikill-net/client';
import type { GameSession } from '../client/game-session.js';
import { parseBotArgs } from './bot-args.js';
import { botPlayer, drive } from './bot-player.js';
import { countingWebSocket, type Traffic } from './counting-web-socket.js';

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

const sessions: GameSession[] = [];
/** Set once every bot joined: leaving before that is the join's failure, handled there. */
let playing = false;
/** Set once playing: what `shutdown` stops besides the sessions. */
let stopDriving: (() => void) | undefined;
let stopping = false;
let report: ReturnType<typeof setInterval> | undefined;
// From the start, not once every bot has joined: a SIGTERM meanwhile (a service manager, `timeout`) would
// otherwise kill the process with its seats held for the reconnect grace.
process.on('SIGINT', () => shutdown());
process.on('SIGTERM', () => shutdown());
/** Every bot's WebSocket payload bytes, summed. */
const traffic: Traffic = { bytesIn: 0, bytesOut: 0 };
const CountingWebSocket = countingWebSocket(traffic);
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
    console.log(`bot ${index + 1} left: ${reason} ${message}`);
    // The server put the last of them out (shutting down, room closed, kicked): nothing is left to do,
    // and idling on as '0/N in room' would hide it from whoever runs them.
    if (playing && sessions.every((each) => each.room === undefined)) {
      console.error('bots: no bot is in a room any more; exiting');
      shutdown(1);
    }
  });
  session.on('warning', (warning) => console.log(`bot ${index + 1} warned: ${JSON.stringify(warning)}`));
  sessions.push(session);
}

// The first bot finds (or makes) the room; the rest follow it there, so they play together.
const first = sessions[0] as GameSession;
if (await joinAll()) play();

/** Joins every bot; false when stopped by a signal meanwhile (the joins then fail as their sessions close). */
async function joinAll(): Promise<boolean> {
  try {
    if (args.room) await first.joinByCode(args.room);
    else await first.quickPlay();
    const code = first.room?.code;
    await Promise.all(
      sessions.slice(1).map((session) => (code ? session.joinByCode(code) : session.quickPlay())),
    );
  } catch (error) {
    if (stopping) return false;
    // A refusal (no such room, room full, server draining) is the operator's to read, not a crash.
    const reason = error instanceof ProtocolError ? `${error.code}: ${error.message}` : String(error);
    console.error(`bots could not join: ${reason}`);
    for (const session of sessions) session.close();
    process.exit(1);
  }
  // Stopped while the last joins were answered: the sessions are closed, shutdown's timer ends the process.
  return !stopping;
}

function play(): void {
  stopDriving = drive(sessions);
  const code = first.room?.code;
  console.log(
    `${sessions.length} bots in room ${first.room?.info.roomId ?? '?'}${code ? ` (code ${code})` : ''}`,
  );
  const started = performance.now();
  let before = { ...traffic };
  let beforeAt = started;
  report = setInterval(() => {
    const now = performance.now();
    const seconds = (now - beforeAt) / 1000;
    const rates = {
      bytesIn: (traffic.bytesIn - before.bytesIn) / sessions.length / seconds / 1000,
      bytesOut: (traffic.bytesOut - before.bytesOut) / sessions.length / seconds / 1000,
    };
    const rate = (field: keyof Traffic) => rates[field];
    before = { ...traffic };
    beforeAt = now;
    const match = first.match;
    const kills = first.scoreboard().reduce((sum, line) => sum + (line.kills ?? 0), 0);
    const inRoom = sessions.filter((session) => session.room !== undefined).length;
    const dropped = sessions.reduce((sum, session) => sum + session.peerSendsDropped, 0);
    console.log(
      `${Math.round((now - started) / 1000)} s | ${inRoom}/${sessions.length} in room | ` +
        `${match?.phase ?? '-'} ${match?.secondsLeft ?? '-'} s left | ${kills} kills | ` +
        `per bot ${rate('bytesIn').toFixed(1)} kB/s in, ${rate('bytesOut').toFixed(1)} kB/s out (WebSocket payloads)${dropped ? ` | ${dropped} peer messages dropped` : ''}`,
    );
  }, 2_000);
  playing = true;
  if (args.seconds !== undefined) setTimeout(() => shutdown(), args.seconds * 1000);
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
