import { Client, type ClientOptions, type RoomConnection } from 'vehikill-net/client';
import { WebSocket } from 'ws';
import { sendingOrigin } from '../../game/bots/origin.js';
import type { LoadOptions } from './load-options.js';
import {
  countOf,
  type LoadStats,
  recordMoved,
  recordRejoined,
  recordRejoinFailed,
  recordRoomLost,
  recordSeated,
  recordStalled,
  recordUnstalled,
} from './load-stats.js';

/** What runLoad uses of a client: a `Client` in a real run, a stand-in in tests. */
export type LoadClient = Pick<Client, 'connect' | 'create' | 'join' | 'quickPlay' | 'close' | 'on' | 'state'>;

/** A seated player's room now: undefined while they are out of play (lost it, not back yet). */
interface Player {
  client: LoadClient;
  room: RoomConnection | undefined;
  /** Their chat lines in this room not heard back yet, and when each was sent (oldest first). */
  pending: Map<string, number>;
  /** Counted as stalled: a line of theirs has not come back for longer than `stallMs`. */
  stalled: boolean;
}

/** How often the players are checked for stalls. */
const STALL_CHECK_MS = 250;

/**
 * Quick plays a player who lost their room tries before staying out of play, and the pause between them:
 * apps quick-play again after a move (docs/operations.md), and a refusal such as RATE_LIMITED may pass.
 */
const REJOIN_ATTEMPTS = 3;
const REJOIN_PAUSE_MS = 1_000;

/**
 * Drives `rooms` x `players` headless clients: the first player of each room creates it, the others join
 * it by id (through any node: redirects are followed), then everyone sends chat lines for `seconds` and
 * times their echo. A player whose room is left under them (its node failed or drained) quick-plays
 * again, as apps do, and chats on in the room it gets. One whose lines stop coming back for longer than
 * `stallMs` (its node hangs) counts as stalled, not seated, until they come back. Bounded: it ends by itself and closes every client.
 * `signal` ends it early (Ctrl-C): no more players are started, every client is closed (so the servers free
 * their seats at once), and the players never started are counted in `stats.notStarted`.
 */
export async function runLoad(
  options: LoadOptions,
  stats: LoadStats,
  makeClient: (clientOptions: ClientOptions) => LoadClient = (clientOptions) => new Client(clientOptions),
  signal?: AbortSignal,
): Promise<void> {
  const clients: LoadClient[] = [];
  /** Each seated player's room now (undefined while out of play), in the order they were first seated. */
  const players: Player[] = [];
  /** Set before the load closes its clients, whose rooms are then left by the load itself. */
  let stopping = false;
  const failed = (error: unknown, counts = stats.errors) => {
    const code = errorCode(error);
    counts.set(code, (counts.get(code) ?? 0) + 1);
  };
  const rateLimited = (code: string, stage: 'connect' | 'create') => {
    if (code === 'RATE_LIMITED') stats.rateLimited.add(stage);
  };
  /** Closes every client now: on the abort (whose handshakes in flight then fail), or at the end. */
  const closeAll = () => {
    stopping = true;
    for (const client of clients) client.close();
  };
  const interrupted = () => signal?.aborted === true;
  signal?.addEventListener('abort', closeAll, { once: true });
  // `connected` is the clients open now, not the connects so far: a node that dropped its players' links
  // shows on the progress line while they reconnect. Recounted on a beat, as the line is printed.
  const countConnected = () => {
    stats.connected = clients.filter((client) => client.state === 'open').length;
  };
  const connectedCounts = setInterval(countConnected, STALL_CHECK_MS);
  let next = 0;
  const newClient = () => {
    // After the abort closed every client, none is made: a handshake waiting for its slot ends here.
    if (interrupted()) throw new Interrupted();
    const index = next++;
    const client = makeClient({
      url: options.urls[index % options.urls.length] as string,
      fallbackUrls: options.urls,
      name: `load-${index}`,
      WebSocket: options.origin === undefined ? WebSocket : sendingOrigin(options.origin),
      serverLink: 'off',
      maxReconnectAttempts: 10,
    });
    client.on('moved', ({ code }) => recordMoved(stats, code));
    // A refusal the client retries through (a guest token or a handshake over the address's rate) still
    // slows the load: the summary's hint says which limits to raise.
    client.on('error', (error) => rateLimited(error.code, 'connect'));
    clients.push(client);
    return client;
  };
  const connect = async (client: LoadClient) => {
    try {
      await client.connect();
    } catch (error) {
      rateLimited(errorCode(error), 'connect');
      throw error;
    }
    stats.connected++;
  };
  /** Times the player's own chat lines heard back, and notices when the room is left under them. */
  const enter = (client: LoadClient, player: Player, room: RoomConnection) => {
    player.room = room;
    player.pending.clear();
    room.onMessage('chat', (data) => {
      // Known by its text alone, which names the player (`load <player> <line>`): a room may say who sent a
      // line by name or not at all (the README's names them), and with a player id it counted every line
      // of such a room as never back, every player as stalled on a healthy cluster.
      const line = data as { text?: unknown };
      if (player.room !== room || typeof line.text !== 'string') return;
      const started = player.pending.get(line.text);
      if (started === undefined) return;
      player.pending.delete(line.text);
      stats.echoed++;
      stats.roundTrips.push(performance.now() - started);
    });
    // The room's other messages (its own types, whatever the game) are not this tool's to read: taken and
    // dropped on purpose, so that no player warns of them.
    room.onMessage('*', () => {});
    room.on('leave', ({ reason }) => {
      if (stopping || player.room !== room) return;
      player.room = undefined;
      recordRoomLost(stats, reason, room.info.nodeId, room.roomId, player.stalled);
      player.stalled = false;
      // Never to be echoed now (sent while the room was going, or while the client reconnected to it): told
      // apart in the summary, so that sent = echoed + lost with their room + not back at the end.
      stats.lostWithRoom += player.pending.size;
      player.pending.clear();
      void rejoin(client, player, reason);
    });
  };
  const rejoin = async (client: LoadClient, player: Player, lost: string) => {
    for (let attempt = 1; !stopping; attempt++) {
      try {
        const room = await client.quickPlay(options.type);
        if (stopping) return;
        recordRejoined(stats, lost, room.info.nodeId);
        enter(client, player, room);
        return;
      } catch (error) {
        if (stopping) return;
        const code = errorCode(error);
        recordRejoinFailed(stats, code);
        rateLimited(code, 'create');
        if (attempt >= REJOIN_ATTEMPTS || client.state === 'closed') return;
        await new Promise((resolve) => setTimeout(resolve, REJOIN_PAUSE_MS));
      }
    }
  };
  const seat = (client: LoadClient, room: RoomConnection) => {
    recordSeated(stats, room.info.nodeId);
    const player: Player = { client, room: undefined, pending: new Map(), stalled: false };
    players.push(player);
    enter(client, player, room);
  };
  // Rooms one after another in parallel lanes, each room's players at once; and every handshake (a
  // connect and its create or join) takes one of `concurrency` slots, so that no more are ever in flight,
  // also when a room has more players than that.
  const handshake = slots(options.concurrency);
  const roomIndexes = Array.from({ length: options.rooms }, (_, i) => i);
  const lanes = Math.max(1, Math.floor(options.concurrency / options.players));
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (
        let roomIndex = roomIndexes.shift();
        roomIndex !== undefined && !interrupted();
        roomIndex = roomIndexes.shift()
      ) {
        let roomId: string;
        try {
          roomId = await handshake(async () => {
            const host = newClient();
            await connect(host);
            let room: RoomConnection;
            try {
              room = await host.create(options.type);
            } catch (error) {
              rateLimited(errorCode(error), 'create');
              throw error;
            }
            seat(host, room);
            return room.roomId;
          });
        } catch (error) {
          // Cut short by the abort, not refused: counted as not started at the end.
          if (interrupted()) break;
          failed(error);
          stats.roomsFailed++;
          stats.notTried += options.players - 1;
          continue;
        }
        await Promise.all(
          Array.from({ length: options.players - 1 }, () =>
            handshake(async () => {
              try {
                const player = newClient();
                await connect(player);
                seat(player, await player.join(roomId));
              } catch (error) {
                if (!interrupted()) failed(error);
              }
            }),
          ),
        );
      }
    }),
  );
  let line = 0;
  const chat = (player: Player, i: number) => {
    const room = player.room;
    // A stalled player's room answers nothing: more lines would only grow the list of those not heard
    // back (without bound while a node hangs) and measure nothing the ones waiting do not.
    if (room === undefined || room.left || player.stalled) return;
    const text = `load ${i} ${line++}`;
    try {
      room.send('chat', { text });
      player.pending.set(text, performance.now());
      stats.sent++;
    } catch (error) {
      failed(error, stats.sendErrors);
    }
  };
  // `--seconds` of chat is seconds / interval lines a player: the first at once, the rest one an interval
  // apart, each player's last one interval before the end (a line due as the time runs out would race the
  // end, and mostly lose).
  const lines = Math.max(1, Math.floor((options.seconds * 1_000) / options.intervalMs));
  const timers = players.map((player, i) => {
    chat(player, i);
    let turns = 1;
    const timer = setInterval(() => {
      chat(player, i);
      if (++turns >= lines) clearInterval(timer);
    }, options.intervalMs);
    if (turns >= lines) clearInterval(timer);
    return timer;
  });
  // A player whose oldest line not heard back is older than `stallMs` is stalled (its node hangs, or its
  // room no longer passes traffic): counted apart from the seated, until a line comes back. At the end,
  // so is one whose connection is down (its node went away less than `stallMs` before): no time is left
  // for it to come back, and its room passes nothing now.
  const checkStalls = (atEnd = false) => {
    const now = performance.now();
    for (const player of players) {
      const room = player.room;
      if (room === undefined) continue;
      const oldest = player.pending.values().next().value;
      const stalled =
        (oldest !== undefined && now - oldest > options.stallMs) || (atEnd && player.client.state !== 'open');
      if (stalled === player.stalled) continue;
      player.stalled = stalled;
      if (stalled) recordStalled(stats, room.info.nodeId);
      else recordUnstalled(stats, room.info.nodeId);
    }
  };
  const stallChecks = setInterval(() => checkStalls(), STALL_CHECK_MS);
  // With no player seated (every creation failed: a --type the servers lack, say) nothing is left to
  // measure, and waiting out --seconds would only hold the summary back.
  const chatting = players.length > 0;
  if (chatting) await abortable(options.seconds * 1_000, signal);
  for (const timer of timers) clearInterval(timer);
  if (chatting) await abortable(500, signal); // the last echoes
  clearInterval(stallChecks);
  clearInterval(connectedCounts);
  if (!interrupted()) {
    checkStalls(true);
    countConnected(); // as the run ends, before the load closes them
  }
  for (const player of players) stats.unansweredAtEnd += player.pending.size;
  signal?.removeEventListener('abort', closeAll);
  closeAll();
  if (interrupted()) {
    const total = options.rooms * options.players;
    const accounted =
      stats.seated +
      countOf(stats.stalled) +
      countOf(stats.outOfPlay) +
      countOf(stats.errors) +
      stats.notTried;
    stats.notStarted = total - accounted;
  }
  // The clients' goodbyes on their way out, before the process may exit: the servers free the seats at
  // once rather than keep them for the reconnect grace.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

/** Thrown for a player whose turn comes after the abort. */
class Interrupted extends Error {}

/** Waits `ms`, or until `signal` aborts. */
function abortable(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** An error's code as the client gave it (e.g. NODE_UNREACHABLE, RATE_LIMITED), or else its message. */
function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Runs tasks with at most `count` of them in progress; the others wait their turn, first come first served. */
function slots(count: number): <T>(task: () => Promise<T>) => Promise<T> {
  let free = count;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next in line, if any.
      const next = waiting.shift();
      if (next === undefined) free++;
      else next();
    }
  };
}
