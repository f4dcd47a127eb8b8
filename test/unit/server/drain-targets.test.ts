import { ManualClock, MemoryRegistry, type NodeInfo, type NodeLoad } from 'vehikill-net/server';
import { describe, expect, it, vi } from 'vitest';
import { DrainTargets, type Leaver, PLAN_RETRY_MAX_MS } from '../../../src/server/rooms/drain-targets.js';

const node = (url: string, load?: NodeLoad, roomTypes?: string[]): NodeInfo => ({
  nodeId: url,
  url,
  draining: false,
  bootId: 'boot',
  ...(load === undefined ? {} : { load }),
  ...(roomTypes === undefined ? {} : { roomTypes }),
});
const inRoom = (playerId: string, roomId: string, players: number, type = 'test'): Leaver => ({
  playerId,
  room: { roomId, type, players },
});
const alone = (playerId: string): Leaver => ({ playerId, room: undefined });
const idle = (maxRooms = 100): NodeLoad => ({ sessions: 0, rooms: 0, maxRooms });

describe('DrainTargets', () => {
  it('sends the largest room to the least loaded node, and the next rooms where the load is least then', () => {
    const targets = new DrainTargets();
    const nodes = [node('b', { sessions: 2, rooms: 1, maxRooms: 100 }), node('c', idle())];
    const leavers = [inRoom('p1', 'r1', 1), inRoom('p2', 'r2', 4), inRoom('p3', 'r2', 4), alone('p4')];
    // r2 (4) goes to c (0), r1 (1) to b (2 against 4), the lone player to b (3 against 4).
    expect(targets.plan(nodes, leavers, ['test'])).toEqual(['b', 'c', 'c', 'b']);
  });

  it('keeps what it told a player while that node takes players, and moves the room when it does not', () => {
    const targets = new DrainTargets();
    const leavers = [inRoom('p1', 'r1', 2), inRoom('p2', 'r1', 2)];
    const [told] = targets.plan([node('b', idle()), node('c', idle())], leavers, ['test']);
    const other = told === 'b' ? 'c' : 'b';
    // Loaded since: still where the notice said.
    const busy = { sessions: 50, rooms: 1, maxRooms: 100 };
    const nodes = [node(told ?? '', busy), node(other, idle())];
    expect(targets.plan(nodes, leavers, ['test'])).toEqual([told, told]);
    // Gone (or draining): the whole room goes to the other, and a player who comes back later follows it.
    expect(targets.plan([node(other, idle())], leavers, ['test'])).toEqual([other, other]);
    expect(targets.targetFor(inRoom('p3', 'r1', 3))).toBe(other);
  });

  it('takes a node with a room to spare, or that defines the type, over a less loaded one; else the nearest', () => {
    const targets = new DrainTargets();
    const full = node('full', { sessions: 0, rooms: 1, maxRooms: 1 });
    const busy = node('busy', { sessions: 9, rooms: 1, maxRooms: 10 });
    expect(targets.plan([full, busy], [inRoom('p1', 'r1', 1)], ['race'])).toEqual(['busy']);
    const raceOnly = node('race', { sessions: 9, rooms: 0, maxRooms: 10 }, ['race']);
    const testOnly = node('test', idle(), ['test']);
    expect(
      targets.plan([raceOnly, testOnly], [inRoom('p2', 'r2', 1, 'race'), alone('p3')], ['race']),
    ).toEqual(['race', 'race']);
    // Every node at its limit: one is still named (the player keeps a session there).
    expect(targets.plan([full], [inRoom('p4', 'r4', 1)], ['race'])).toEqual(['full']);
  });

  it('names no node when there is none; a node of an earlier version, without a load, counts as empty', () => {
    const targets = new DrainTargets();
    expect(targets.plan([], [alone('p1'), { playerId: undefined, room: undefined }], [])).toEqual(['', '']);
    const loaded = node('b', { sessions: 1, rooms: 0, maxRooms: 100 });
    expect(targets.plan([loaded, node('old')], [alone('p2')], [])).toEqual(['old']);
  });

  it("plans with what other drains send, and plans again, keeping nothing, when another's plan came first", async () => {
    const registry = new MemoryRegistry();
    // c has a room to spare and the fewest players: where each drain alone would send its room.
    const nodes = [node('c', idle(1)), node('d', { sessions: 1, rooms: 0, maxRooms: 1 })];
    const [a, b] = [new DrainTargets(), new DrainTargets()];
    const ofA = inRoom('pa', 'ra', 2);
    const ofB = inRoom('pb', 'rb', 2);
    // Both read the plans before either writes: b's first plan is refused, and made again knowing a's.
    await Promise.all([
      a.planShared(registry, 'a', nodes, [ofA], ['test'], 60_000),
      b.planShared(registry, 'b', nodes, [ofB], ['test'], 60_000),
    ]);
    expect([a.targetFor(ofA), b.targetFor(ofB)]).toEqual(['c', 'd']);
    expect(b.arrivals()).toEqual(new Map([['d', { sessions: 2, rooms: 1 }]]));
    expect((await registry.arrivals('x')).byNode).toEqual(
      new Map([
        ['c', { sessions: 2, rooms: 1 }],
        ['d', { sessions: 2, rooms: 1 }],
      ]),
    );
    // Planned again (the goodbye): each keeps what it told its players.
    await b.planShared(registry, 'b', nodes, [ofB], ['test'], 60_000);
    await a.planShared(registry, 'a', nodes, [ofA], ['test'], 60_000);
    expect([a.targetFor(ofA), b.targetFor(ofB)]).toEqual(['c', 'd']);
  });

  it("stops waiting for a registry that refuses every plan after the plan's time, and says so", async () => {
    const clock = new ManualClock(0);
    const refusing = {
      arrivals: async () => ({ version: 0, byNode: new Map() }),
      planArrivals: async () => false,
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const targets = new DrainTargets({ clock, nodeId: () => 'node-west-2' });
    const leaver = inRoom('pa', 'ra', 2);
    let doneAt: number | undefined;
    const planning = targets.planShared(refusing, 'a', [node('c', idle())], [leaver], ['test'], 5_000);
    void planning.then(() => {
      doneAt = clock.now();
    });
    // Time goes on in steps, each step's promises settled before the next.
    while (doneAt === undefined && clock.now() < 60_000) {
      await new Promise((resolve) => setImmediate(resolve));
      clock.advance(50);
    }
    await planning;
    // Not before the plan's 5 s, and at the first refusal after (the waits are 1 s at most).
    expect(doneAt).toBeGreaterThanOrEqual(5_000);
    expect(doneAt).toBeLessThanOrEqual(5_000 + PLAN_RETRY_MAX_MS + 50);
    // Planned all the same: its player goes where the last plan sent it.
    expect(targets.targetFor(leaver)).toBe('c');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('the registry refused its plan'));
    // The drain's name is random: the warning names the node, for the operator who reads it.
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('node node-west-2, drain a:'));
    warn.mockRestore();
  });
});
