import type { ClientOptions, RoomConnection } from 'vehikill-net/client';
import { describe, expect, it, vi } from 'vitest';
import type { LoadOptions } from '../../../bench/loadtest/load-options.js';
import { ExitCode, exitCodeOf, progressLine, summaryLines } from '../../../bench/loadtest/load-report.js';
import { countOf, newStats } from '../../../bench/loadtest/load-stats.js';
import { type LoadClient, runLoad } from '../../../bench/loadtest/loadtest.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

type Listener = (event: never) => void;

/** A room a stand-in client sits in, and what it takes to make the room be left under it. */
interface FakeSeat {
  nodeId: string;
  left: boolean;
  leaveListeners: Listener[];
  clientListeners: Map<string, Listener[]>;
  client: { state: string };
}

/**
 * Stand-ins for the load's clients that count the handshakes in flight (from `connect()` until the
 * create or join settles) and fail the creates, joins and quick plays they are told to. Rooms are
 * created on node-1 and node-2 in turn; `loseNode` takes one away, as a crash or a drain would.
 */
class FakeServer {
  inFlight = 0;
  maxInFlight = 0;
  creates = 0;
  joins = 0;
  quickPlays = 0;
  /** The nth create (from 1) fails with this code. */
  failCreate = new Map<number, string>();
  failJoin = new Map<number, string>();
  failQuickPlay = new Map<number, string>();
  readonly seats: FakeSeat[] = [];
  /** Nodes that hang: they keep their players' seats and sockets, but echo nothing until resumed. */
  readonly hung = new Map<string, (() => void)[]>();

  resume(nodeId: string): void {
    const held = this.hung.get(nodeId) ?? [];
    this.hung.delete(nodeId);
    for (const echo of held) echo();
  }
  readonly #roomNodes = new Map<string, string>();

  /**
   * `nodeId` drops its players' connections: their clients reconnect, their rooms are not left yet, and
   * nothing comes back meanwhile (as a node killed moments before the end of a run).
   */
  cutNode(nodeId: string): void {
    this.hung.set(nodeId, []);
    for (const seat of this.seats.filter((s) => s.nodeId === nodeId && !s.left))
      seat.client.state = 'reconnecting';
  }

  /** Every client seated on `nodeId` is moved off it with `code`, and its room left with that reason. */
  loseNode(nodeId: string, code: string): void {
    for (const seat of this.seats.filter((s) => s.nodeId === nodeId && !s.left)) {
      seat.left = true;
      for (const listener of seat.clientListeners.get('moved') ?? [])
        listener({ url: 'ws://x', code } as never);
      for (const listener of seat.leaveListeners) listener({ reason: code, message: '' } as never);
    }
  }

  client = (options: ClientOptions): LoadClient => {
    const server = this;
    const name = options.name as string;
    const clientListeners = new Map<string, Listener[]>();
    const connection = { state: 'open' };
    const settle = () => server.inFlight--;
    const room = (roomId: string) => {
      const nodeId = server.#roomNodes.get(roomId) as string;
      const seat: FakeSeat = { nodeId, left: false, leaveListeners: [], clientListeners, client: connection };
      server.seats.push(seat);
      const chat: Listener[] = [];
      return {
        roomId,
        selfId: name,
        get left() {
          return seat.left;
        },
        info: { nodeId, roomId },
        onMessage: (type: string, listener: Listener) => {
          if (type === 'chat') chat.push(listener);
          return () => {};
        },
        on: (event: string, listener: Listener) => {
          if (event === 'leave') seat.leaveListeners.push(listener);
          return () => {};
        },
        // The room echoes each line to its sender (and the others, whom this stand-in leaves out).
        send: (_type: string, data: { text: string }) => {
          const echo = () => {
            for (const listener of chat) listener({ from: name, text: data.text } as never);
          };
          const held = server.hung.get(nodeId);
          if (held) held.push(echo);
          else queueMicrotask(echo);
        },
      } as unknown as RoomConnection;
    };
    return {
      get state() {
        return connection.state;
      },
      async connect() {
        server.inFlight++;
        server.maxInFlight = Math.max(server.maxInFlight, server.inFlight);
        await tick();
      },
      async create() {
        await tick();
        settle();
        const code = server.failCreate.get(++server.creates);
        if (code !== undefined) throw Object.assign(new Error(code), { code });
        const roomId = `room-${server.creates}`;
        server.#roomNodes.set(roomId, `node-${((server.creates - 1) % 2) + 1}`);
        return room(roomId);
      },
      async join(roomId: string) {
        await tick();
        settle();
        const code = server.failJoin.get(++server.joins);
        if (code !== undefined) throw Object.assign(new Error(code), { code });
        return room(roomId);
      },
      async quickPlay() {
        await tick();
        const code = server.failQuickPlay.get(++server.quickPlays);
        if (code !== undefined) throw Object.assign(new Error(code), { code });
        const roomId = `quick-${server.quickPlays}`;
        server.#roomNodes.set(roomId, 'node-3');
        return room(roomId);
      },
      close() {},
      on: (event: string, listener: Listener) => {
        clientListeners.set(event, [...(clientListeners.get(event) ?? []), listener]);
        return () => {};
      },
    } as unknown as LoadClient;
  };
}

const options = (rooms: number, players: number, concurrency: number): LoadOptions => ({
  urls: ['ws://127.0.0.1:1/ws'],
  rooms,
  players,
  type: 'chat',
  seconds: 0.01,
  intervalMs: 50,
  concurrency,
  stallMs: 5_000,
});

describe('npm run loadtest: the load', () => {
  it.each([
    [2, 12, 4],
    [3, 5, 5],
    [4, 3, 7],
    [1, 64, 1],
  ])(
    'holds %i rooms of %i players to --concurrency %i handshakes at once',
    async (rooms, players, concurrency) => {
      const server = new FakeServer();
      const stats = newStats();
      await runLoad(options(rooms, players, concurrency), stats, server.client);
      expect(stats.seated).toBe(rooms * players);
      expect(server.maxInFlight).toBeGreaterThan(0);
      expect(server.maxInFlight).toBeLessThanOrEqual(concurrency);
    },
  );

  it('stops starting players when interrupted, and counts the ones never started', async () => {
    const server = new FakeServer();
    const stats = newStats();
    const load = { ...options(20, 2, 2), seconds: 600 };
    const interrupt = new AbortController();
    const run = runLoad(load, stats, server.client, interrupt.signal);
    while (stats.seated < 4) await tick();
    interrupt.abort();
    await run; // at once, not after --seconds 600

    expect(server.creates).toBeLessThan(20);
    expect(stats.notStarted).toBeGreaterThan(0);
    expect(stats.seated + countOf(stats.errors) + stats.notTried + stats.notStarted).toBe(40);
    expect(summaryLines(load, stats).join('\n')).toContain(
      `not started   ${stats.notStarted} (the run was interrupted first)`,
    );
  });

  it('accounts for every player: seated, failed with a code, or not tried because their room failed', async () => {
    const server = new FakeServer();
    server.failCreate.set(2, 'INTERNAL_ERROR');
    server.failJoin.set(1, 'NODE_UNREACHABLE');
    const stats = newStats();
    const load = options(3, 4, 50);
    await runLoad(load, stats, server.client);

    expect(stats.seated).toBe(7);
    expect(Object.fromEntries(stats.errors)).toEqual({ INTERNAL_ERROR: 1, NODE_UNREACHABLE: 1 });
    expect(stats.notTried).toBe(3);
    expect(stats.seated + countOf(stats.errors) + stats.notTried).toBe(load.rooms * load.players);
    const summary = summaryLines(load, stats).join('\n');
    expect(summary).toMatch(/seated now +7\/12/);
    expect(summary).toMatch(/failed +2 \(INTERNAL_ERROR x1, NODE_UNREACHABLE x1\)/);
    expect(summary).toMatch(/not tried +3 \(joiners of 1 room whose creation failed\)/);
  });

  it('shows none failed and none left untried when all are seated', async () => {
    const stats = newStats();
    const load = options(2, 3, 50);
    await runLoad(load, stats, new FakeServer().client);
    const summary = summaryLines(load, stats).join('\n');
    expect(summary).toMatch(/seated now +6\/6/);
    expect(summary).toMatch(/failed +none/);
    expect(summary).toMatch(/not tried +none/);
  });

  it('says what ROOM_FULL most likely means: more --players than the room type seats', async () => {
    const server = new FakeServer();
    server.failJoin.set(3, 'ROOM_FULL');
    const stats = newStats();
    const load = options(1, 4, 50);
    await runLoad(load, stats, server.client);
    const summary = summaryLines(load, stats);
    expect(summary.join('\n')).toMatch(/failed +1 \(ROOM_FULL x1\)/);
    expect(summary).toContain(
      "  hint          ROOM_FULL: 'chat' rooms may seat fewer than --players 4; lower it to what the type seats",
    );
    expect(summaryLines(options(2, 3, 50), newStats()).join('\n')).not.toMatch(/hint/);
  });

  it('takes the players of a node that went away out of the seated count, and back in when quick play seats them', async () => {
    const server = new FakeServer();
    const stats = newStats();
    // Long enough that the run is still on when the fake pauses below have passed.
    const load = { ...options(4, 2, 50), seconds: 1 };
    const run = runLoad(load, stats, server.client);
    await vi.waitFor(() => expect(stats.seated).toBe(8));
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-1': 4, 'node-2': 4 });
    // Two of the four on node-1 do not get back: their quick plays fail, all three tries each (the first
    // two of the four tries at once, then the two tries after each pause).
    for (const n of [1, 5, 7]) server.failQuickPlay.set(n, 'ROOM_FULL');
    for (const n of [2, 6, 8]) server.failQuickPlay.set(n, 'RATE_LIMITED');
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    server.loseNode('node-1', 'NODE_UNREACHABLE');
    expect(stats.seated).toBe(4);
    expect(Object.fromEntries(stats.outOfPlay)).toEqual({ NODE_UNREACHABLE: 4 });
    for (let pause = 0; pause < 3; pause++) await vi.advanceTimersByTimeAsync(1_000);
    vi.useRealTimers();
    await run;

    expect(stats.redirected).toBe(0);
    expect(Object.fromEntries(stats.movedOff)).toEqual({ NODE_UNREACHABLE: 4 });
    expect(Object.fromEntries(stats.roomLosses)).toEqual({ NODE_UNREACHABLE: 4 });
    expect(stats.rejoined).toBe(2);
    expect(stats.seated).toBe(6);
    expect(Object.fromEntries(stats.outOfPlay)).toEqual({ NODE_UNREACHABLE: 2 });
    expect(Object.fromEntries(stats.rejoinErrors)).toEqual({ ROOM_FULL: 3, RATE_LIMITED: 3 });
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-2': 4, 'node-3': 2 });
    expect([...stats.rateLimited]).toEqual(['create']);
    expect(exitCodeOf(load, stats)).toBe(ExitCode.notAllInPlay);
  });

  it('counts the players of a node that hangs as stalled, not seated, and exits non-zero', async () => {
    const server = new FakeServer();
    const stats = newStats();
    const load = { ...options(4, 2, 50), seconds: 1.5, stallMs: 300 };
    const run = runLoad(load, stats, server.client);
    await vi.waitFor(() => expect(stats.echoed).toBeGreaterThan(8));
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-1': 4, 'node-2': 4 });
    server.hung.set('node-1', []); // its players keep their rooms: nothing tells them it hangs
    await vi.waitFor(() => expect(stats.seated).toBe(4), { timeout: 1_000 });
    await run;

    expect(exitCodeOf(load, stats)).toBe(ExitCode.notAllInPlay);
    expect(stats.seated).toBe(4);
    expect(Object.fromEntries(stats.stalled)).toEqual({ 'node-1': 4 });
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-2': 4 });
    expect(countOf(stats.outOfPlay)).toBe(0);
    const summary = summaryLines(load, stats).join('\n');
    expect(summary).toMatch(/seated now +4\/8/);
    expect(summary).toContain('stalled       4 (node-1: 4): in a room, no chat line back for over 300 ms');
    expect(progressLine(load, stats, 1.5)).toContain('seated 4/8  stalled 4 (node-1: 4)');
  });

  it('puts a stalled player back among the seated when their lines come back', async () => {
    const server = new FakeServer();
    const stats = newStats();
    const load = { ...options(2, 2, 50), seconds: 1.5, stallMs: 200 };
    const run = runLoad(load, stats, server.client);
    await vi.waitFor(() => expect(stats.echoed).toBeGreaterThan(4));
    server.hung.set('node-2', []);
    await vi.waitFor(() => expect(countOf(stats.stalled)).toBe(2), { timeout: 1_000 });
    expect(stats.seated).toBe(2);
    server.resume('node-2'); // as a stopped process continued: what it held comes back
    await vi.waitFor(() => expect(countOf(stats.stalled)).toBe(0), { timeout: 1_000 });
    await run;
    expect(stats.seated).toBe(4);
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-1': 2, 'node-2': 2 });
    expect(exitCodeOf(load, stats)).toBe(ExitCode.allInPlay);
  });

  it('counts a player whose connection is down at the end as stalled, not seated, and exits non-zero', async () => {
    const server = new FakeServer();
    const stats = newStats();
    // A node killed shortly before the end: its players' lines have not been missing for --stall-ms yet.
    const load = { ...options(4, 2, 50), seconds: 0.6, stallMs: 5_000 };
    const run = runLoad(load, stats, server.client);
    await vi.waitFor(() => expect(stats.echoed).toBeGreaterThan(8));
    server.cutNode('node-1');
    await run;

    expect(stats.seated).toBe(4);
    expect(Object.fromEntries(stats.stalled)).toEqual({ 'node-1': 4 });
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-2': 4 });
    expect(exitCodeOf(load, stats)).toBe(ExitCode.notAllInPlay);
    expect(summaryLines(load, stats).join('\n')).toContain(
      'stalled       4 (node-1: 4): in a room, no chat line back for over 5000 ms or not connected at the end',
    );
  });

  it('shows the players connected now, not the connects so far, when a node drops its connections', async () => {
    const server = new FakeServer();
    const stats = newStats();
    const load = { ...options(4, 2, 50), seconds: 1 };
    const run = runLoad(load, stats, server.client);
    await vi.waitFor(() => expect(stats.seated).toBe(8));
    expect(progressLine(load, stats, 0.5)).toContain('connected 8/8');
    server.cutNode('node-1');
    await vi.waitFor(() => expect(progressLine(load, stats, 0.8)).toContain('connected 4/8'), {
      timeout: 600,
    });
    await run;
  });

  it('ends at once when no player got a seat, rather than idling for --seconds', async () => {
    const server = new FakeServer();
    for (let n = 1; n <= 3; n++) server.failCreate.set(n, 'ROOM_TYPE_UNKNOWN'); // a --type the server lacks
    const stats = newStats();
    const load = { ...options(3, 2, 50), seconds: 3_600 };
    const started = performance.now();
    await runLoad(load, stats, server.client);

    expect(performance.now() - started).toBeLessThan(2_000);
    expect(Object.fromEntries(stats.errors)).toEqual({ ROOM_TYPE_UNKNOWN: 3 });
    expect(stats.notTried).toBe(3);
    expect(exitCodeOf(load, stats)).toBe(ExitCode.notAllInPlay);
  }, 3_000);
});
