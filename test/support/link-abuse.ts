import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel, Client } from 'vehikill-net/client';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { WebSocket } from 'ws';
import { bundleScript, JsonProcess } from './json-process.js';
import type { Stats } from './link-arena-server.js';
import { eventually, sleep } from './server.js';

/**
 * Tests of hostile players on direct server links: the server in a process of its own (see
 * link-arena-server.ts), an honest player here, in its arena room, and flooders in processes of their
 * own (direct-link-flooder.ts) joining that room.
 */
export interface Arena {
  server: JsonProcess;
  wsUrl: string;
  httpUrl: string;
  roomId: string;
  honest: HonestPlayer;
  /** A flooder in the arena, its link direct; `claimMaxBytes`: see direct-link-flooder.ts. */
  flooder(claimMaxBytes?: number): Promise<Flooder>;
  /** The server's view; rejects within `timeoutMs` if it does not answer (frozen). */
  stats(timeoutMs?: number): Promise<Stats>;
  /** Keeps the server's event loop busy for `ms` (a long tick, a GC pause); resolves when it is over. */
  stall(ms: number): Promise<void>;
  /** Ends every flooder made so far. */
  killFlooders(): Promise<void>;
  close(): Promise<void>;
}

export interface Flooder {
  process: JsonProcess;
  playerId: string;
  command<T = FloodResult>(command: Record<string, unknown>): Promise<T>;
}

export interface FloodResult {
  sent: number;
  skipped: number;
  open: boolean;
  /** Control frames the server sent the flooder meanwhile. */
  controlFrames: number;
  /** The code its client was closed with for good by then, if it was. */
  closedWith?: string;
}

/** What `{"op":"away"}` answers (see direct-link-flooder.ts): what a resume of the flooder's session presents. */
export interface AwayResult {
  playerId: string;
  guestToken: string;
  resumeToken: string;
  /** The direct link's phys channel was still open once the WebSocket was gone. */
  linkOpen: boolean;
}

/** An honest player: 20 inputs a second on `phys`, a `dispatch` message every 250 ms. */
export interface HonestPlayer {
  client: Client;
  /** Snapshots received. */
  snapshots: number;
  /** The room's count of this player's messages, as the newest snapshot tells it. */
  inputsTaken: number;
  dispatchTaken: number;
  /** `dispatch` messages sent so far (all must reach the room: that channel is reliable). */
  dispatchSent: number;
  stop(): void;
}

/** What the honest player saw while an attack ran (from its start to half a second after its end). */
export interface HonestView<T> {
  attack: T;
  seconds: number;
  snapshotsPerSecond: number;
  inputsTakenPerSecond: number;
  dispatchTaken: number;
  /** Every `dispatch` message the player sent by the attack's end reached the room (within 3 s). */
  dispatchAllTaken: boolean;
  path: string;
}

/** `serverOptions`: GameServer options over the arena's defaults (JSON-serialisable). */
export async function startArena(serverOptions: Record<string, unknown> = {}): Promise<Arena> {
  const [serverScript, flooderScript] = await Promise.all([
    bundleScript('link-arena-server.ts'),
    bundleScript('direct-link-flooder.ts'),
  ]);
  const server = new JsonProcess(serverScript, [JSON.stringify(serverOptions)]);
  const flooders: JsonProcess[] = [];
  const killFlooders = async () => {
    await Promise.all(flooders.splice(0).map((flooder) => flooder.kill()));
  };
  const { wsUrl, httpUrl } = await server.next<{ wsUrl: string; httpUrl: string }>();
  const honestClient = new Client({
    url: wsUrl,
    WebSocket,
    serverLink: { RTCPeerConnection, extraConfiguration: { bindAddress: '127.0.0.1' } },
  });
  await honestClient.connect();
  const room = await honestClient.create('arena');
  await eventually(() => honestClient.serverLink.path === 'direct', 'a direct link', 15_000);
  const honest = honestPlayer(honestClient);
  return {
    server,
    wsUrl,
    httpUrl,
    roomId: room.roomId,
    honest,
    async flooder(claimMaxBytes) {
      const args = [wsUrl, room.roomId, `${httpUrl}/auth/guest`];
      if (claimMaxBytes) args.push(String(claimMaxBytes));
      const flooder = new JsonProcess(flooderScript, args);
      flooders.push(flooder);
      const { playerId } = await flooder.next<{ playerId: string }>();
      return {
        process: flooder,
        playerId,
        command: (command) => flooder.command(command, 30_000),
      };
    },
    stats: (timeoutMs = 5_000) => server.command<Stats>({ op: 'stats' }, timeoutMs),
    stall: async (ms) => {
      await server.command({ op: 'stall', ms }, ms + 5_000);
    },
    killFlooders,
    async close() {
      honest.stop();
      honestClient.close();
      await killFlooders();
      await server.kill();
    },
  };
}

/**
 * The arena of a test file: started before its tests (with `serverOptions`), the flooders each test made
 * ended after it, closed after them all. What it returns reads the arena started then.
 */
export function useArena(serverOptions: Record<string, unknown> = {}): Arena {
  let arena: Arena | undefined;
  const started = (): Arena => {
    if (!arena) throw new Error('the arena starts in beforeAll');
    return arena;
  };
  beforeAll(async () => {
    arena = await startArena(serverOptions);
  }, 60_000);
  afterEach(() => arena?.killFlooders());
  afterAll(() => arena?.close());
  return {
    get server() {
      return started().server;
    },
    get wsUrl() {
      return started().wsUrl;
    },
    get httpUrl() {
      return started().httpUrl;
    },
    get roomId() {
      return started().roomId;
    },
    get honest() {
      return started().honest;
    },
    flooder: (claimMaxBytes) => started().flooder(claimMaxBytes),
    stats: (timeoutMs) => started().stats(timeoutMs),
    stall: (ms) => started().stall(ms),
    killFlooders: () => started().killFlooders(),
    close: () => started().close(),
  };
}

function honestPlayer(client: Client): HonestPlayer {
  const player: HonestPlayer = {
    client,
    snapshots: 0,
    inputsTaken: 0,
    dispatchTaken: 0,
    dispatchSent: 0,
    stop: () => {
      clearInterval(inputs);
      clearInterval(orders);
    },
  };
  client.serverLink.onMessage((channel, bytes) => {
    if (channel !== Channel.phys || bytes.length !== 200) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    player.snapshots++;
    player.inputsTaken = Math.max(player.inputsTaken, view.getUint32(4));
    player.dispatchTaken = Math.max(player.dispatchTaken, view.getUint32(12));
  });
  const inputs = setInterval(() => client.serverLink.send(Channel.phys, new Uint8Array(24)), 50);
  const orders = setInterval(() => {
    if (client.serverLink.send(Channel.dispatch, Uint8Array.of(1))) player.dispatchSent++;
  }, 250);
  return player;
}

/** Runs `attack` and tells what the honest player saw meanwhile. */
export async function watchHonest<T>(honest: HonestPlayer, attack: () => Promise<T>): Promise<HonestView<T>> {
  const before = { ...honest };
  const startedAt = Date.now();
  const result = await attack();
  await sleep(500);
  const seconds = (Date.now() - startedAt) / 1000;
  const view = {
    attack: result,
    seconds,
    snapshotsPerSecond: (honest.snapshots - before.snapshots) / seconds,
    inputsTakenPerSecond: (honest.inputsTaken - before.inputsTaken) / seconds,
    dispatchTaken: honest.dispatchTaken - before.dispatchTaken,
    path: honest.client.serverLink.path,
  };
  const sent = honest.dispatchSent;
  const dispatchAllTaken = await eventually(() => honest.dispatchTaken >= sent, 'dispatch', 3_000).then(
    () => true,
    () => false,
  );
  return { ...view, dispatchAllTaken };
}

/**
 * An honest player plays on: most of its 20 snapshots and 20 inputs a second (generous for a loaded
 * 2-core machine: a starved room or a stalled link shows far below), still direct, and every one of its
 * `dispatch` messages taken (reliable: none lost).
 */
export function expectHonestUnaffected(view: HonestView<unknown>): void {
  expect(view.snapshotsPerSecond).toBeGreaterThan(12);
  expect(view.inputsTakenPerSecond).toBeGreaterThan(12);
  expect(view.path).toBe('direct');
  expect(view.dispatchAllTaken).toBe(true);
}
