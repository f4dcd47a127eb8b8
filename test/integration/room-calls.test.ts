import * as v from 'valibot';
import {
  CountingMetrics,
  ErrorCode,
  MemoryRegistry,
  type Registry,
  Room,
  RoomError,
} from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callFailure } from '../support/call-failure.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/**
 * `server.callRoom(roomId, name, args)` (Colyseus's `matchMaker.remoteRoomCall`): code outside a room
 * calls what the room declared with `onCall`, on its own node or another. Here the nodes share one
 * MemoryRegistry in one process; test/integration/cluster-calls.test.ts runs them as processes over Redis.
 */

class BotsRoom extends Room {
  static byId = new Map<string, BotsRoom>();
  bots = 0;
  /** What the last 'echo' was given, as its handler saw it. */
  echoed: unknown;

  override onCreate(): void {
    BotsRoom.byId.set(this.roomId, this);
    this.onCall(
      'addBots',
      v.object({ count: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
      ({ count }) => {
        this.bots += count;
        return { bots: this.bots };
      },
    );
    this.onCall('echo', v.unknown(), (args) => {
      this.echoed = args;
      return args;
    });
    this.onCall('later', v.number(), async (ms) => {
      await sleep(ms);
      return `after ${ms}`;
    });
    this.onCall('hang', v.unknown(), () => new Promise(() => {}));
    this.onCall('nothing', v.unknown(), () => undefined);
    this.onCall('when', v.unknown(), () => ({ at: new Date(0), gone: undefined, map: new Map([[1, 2]]) }));
    this.onCall('boom', v.unknown(), () => {
      throw new Error('secret internals');
    });
    this.onCall('refuse', v.unknown(), async () => {
      throw new RoomError('NO_BOTS_LEFT', 'every bot is in use');
    });
    this.onCall('bigint', v.unknown(), () => 1n);
    this.onCall('huge', v.unknown(), () => 'x'.repeat(70_000));
    this.onCall(
      'badSchema',
      v.pipe(
        v.unknown(),
        v.check(() => {
          throw new Error('schema bug');
        }),
      ),
      () => 'never',
    );
  }
}

/** One for every node: a player's guest token is good on each (and no node warns of it). */
const SECRET = 'a-secret-the-nodes-share-of-32-bytes-or-more';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  BotsRoom.byId.clear();
});

/** Nodes sharing `registry`, each with its own metrics. */
async function nodes(
  registry: Registry,
  ...ids: string[]
): Promise<{ node: TestServer; metrics: CountingMetrics }[]> {
  return Promise.all(
    ids.map(async (nodeId) => {
      const metrics = new CountingMetrics();
      const node = await startServer({ bots: BotsRoom }, { registry, nodeId, metrics, guestSecret: SECRET });
      servers.push(node);
      return { node, metrics };
    }),
  );
}

/** A room of `node`, created by a player there. */
async function roomOn(node: TestServer): Promise<string> {
  const client = node.client();
  await client.connect();
  return (await client.create('bots')).roomId;
}

describe('calling a room on another node', () => {
  it("reaches the room on its node, through the call's schema, and resolves with its answer", async () => {
    const [a, b] = await nodes(new MemoryRegistry(), 'node-a', 'node-b');
    const roomId = await roomOn(b!.node);
    expect(a!.node.server.localRoom(roomId)).toBeUndefined();
    expect(await a!.node.server.callRoom(roomId, 'addBots', { count: 2 })).toEqual({ bots: 2 });
    expect(await a!.node.server.callRoom(roomId, 'addBots', { count: 3 })).toEqual({ bots: 5 });
    expect(BotsRoom.byId.get(roomId)?.bots).toBe(5);
    // An async handler's value; one that returns nothing answers undefined.
    expect(await a!.node.server.callRoom(roomId, 'later', 20)).toBe('after 20');
    expect(await a!.node.server.callRoom(roomId, 'nothing')).toBeUndefined();
  });

  it('carries arguments and answers as JSON, on the same node as on another', async () => {
    const [a, b] = await nodes(new MemoryRegistry(), 'node-a', 'node-b');
    const roomId = await roomOn(b!.node);
    const args = {
      when: new Date(0),
      skip: undefined,
      list: [1, undefined],
      set: new Set([1]),
      text: 'é 😀',
    };
    const asJson = { when: '1970-01-01T00:00:00.000Z', list: [1, null], set: {}, text: 'é 😀' };
    for (const caller of [a!.node, b!.node]) {
      expect(await caller.server.callRoom(roomId, 'echo', args)).toEqual(asJson);
      expect(BotsRoom.byId.get(roomId)?.echoed).toEqual(asJson);
      expect(await caller.server.callRoom(roomId, 'when')).toEqual({
        at: '1970-01-01T00:00:00.000Z',
        map: {},
      });
    }
  });

  it('refuses with a code: no such room, no such call, arguments the schema refuses or JSON cannot write', async () => {
    const [a, b] = await nodes(new MemoryRegistry(), 'node-a', 'node-b');
    const roomId = await roomOn(b!.node);
    for (const caller of [a!.node.server, b!.node.server]) {
      expect((await callFailure(caller.callRoom('no-such-room', 'addBots', { count: 1 }))).code).toBe(
        ErrorCode.ROOM_NOT_FOUND,
      );
      expect((await callFailure(caller.callRoom('x'.repeat(300), 'addBots', {}))).code).toBe(
        ErrorCode.ROOM_NOT_FOUND,
      );
      const unknown = await callFailure(caller.callRoom(roomId, 'removeBots', {}));
      expect(unknown.code).toBe(ErrorCode.UNKNOWN_MESSAGE_TYPE);
      expect(unknown.message).toMatch(/no call 'removeBots'/);
      const refused = await callFailure(caller.callRoom(roomId, 'addBots', { count: 0 }));
      expect(refused.code).toBe(ErrorCode.INVALID_MESSAGE);
      expect(refused.message).toMatch(/'addBots': count: /);
      const bigint = await callFailure(caller.callRoom(roomId, 'echo', { n: 1n }));
      expect(bigint.code).toBe(ErrorCode.INVALID_MESSAGE);
      expect(bigint.message).toMatch(/arguments of call 'echo' cannot be written as JSON/);
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      expect((await callFailure(caller.callRoom(roomId, 'echo', cycle))).code).toBe(
        ErrorCode.INVALID_MESSAGE,
      );
      const huge = await callFailure(caller.callRoom(roomId, 'echo', 'x'.repeat(70_000)));
      expect(huge.code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    }
    expect(BotsRoom.byId.get(roomId)?.bots).toBe(0);
    expect(a!.metrics.total('room_calls_failed_total', { code: ErrorCode.ROOM_NOT_FOUND })).toBe(2);
  });

  it("tells a RoomError's code and message, and of any other throw only that the call failed", async () => {
    const [a, b] = await nodes(new MemoryRegistry(), 'node-a', 'node-b');
    const roomId = await roomOn(b!.node);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (const caller of [a!.node.server, b!.node.server]) {
        const refused = await callFailure(caller.callRoom(roomId, 'refuse'));
        expect([refused.code, refused.reason, refused.message]).toEqual([
          ErrorCode.REQUEST_FAILED,
          'NO_BOTS_LEFT',
          'every bot is in use',
        ]);
        for (const name of ['boom', 'bigint', 'huge', 'badSchema']) {
          const failed = await callFailure(caller.callRoom(roomId, name));
          expect(failed.code).toBe(ErrorCode.REQUEST_FAILED);
          expect(failed.reason).toBeUndefined();
          expect(failed.message).not.toMatch(/secret|schema bug/);
        }
      }
      // Logged and counted on the room's node, as the room's own faults: a RoomError is neither.
      expect(b!.metrics.total('room_hook_errors_total', { hook: "call 'boom'" })).toBe(2);
      expect(b!.metrics.total('room_hook_errors_total', { hook: "call 'badSchema'" })).toBe(2);
      expect(b!.metrics.total('room_hook_errors_total', { hook: "call 'refuse'" })).toBe(0);
      expect(logged.mock.calls.some((call) => String(call[1]).includes('secret internals'))).toBe(true);
    } finally {
      logged.mockRestore();
    }
  });

  it('a handler that hangs times out REQUEST_TIMEOUT, here and from another node, and frees its wait', async () => {
    const [a, b] = await nodes(new MemoryRegistry(), 'node-a', 'node-b');
    const roomId = await roomOn(b!.node);
    for (const caller of [a!.node.server, b!.node.server]) {
      const hung = await callFailure(caller.callRoom(roomId, 'hang', {}, { timeoutMs: 100 }));
      expect(hung.code).toBe(ErrorCode.REQUEST_TIMEOUT);
      expect(hung.message).toMatch(/did not answer the call 'hang' to room .* within 100 ms/);
    }
    // A call too slow for its timeout is answered after it: dropped as late.
    expect((await callFailure(a!.node.server.callRoom(roomId, 'later', 150, { timeoutMs: 50 }))).code).toBe(
      ErrorCode.REQUEST_TIMEOUT,
    );
    await eventually(
      () => a!.metrics.total('node_messages_dropped_total', { reason: 'late' }) === 1,
      'the late answer',
    );
    expect(await a!.node.server.callRoom(roomId, 'addBots', { count: 1 })).toEqual({ bots: 1 });
  });

  it('a node listed but not listening is NODE_UNREACHABLE at once; one that does not take the call, at its timeout', async () => {
    const registry = new MemoryRegistry();
    const [a] = await nodes(registry, 'node-a');
    const listing = {
      type: 'bots',
      private: false,
      clients: 0,
      maxClients: 4,
      metadata: {},
      locked: false,
      createdAt: 1,
    };
    await registry.addRoom({ ...listing, roomId: 'ghost-room', nodeId: 'ghost' });
    const gone = await callFailure(a!.node.server.callRoom('ghost-room', 'addBots', { count: 1 }));
    expect(gone.code).toBe(ErrorCode.NODE_UNREACHABLE);
    expect(gone.message).toMatch(/node ghost .* is not listening/);
    // A frozen process: its channel subscribed, nothing heard.
    await registry.subscribeChannel('node:frozen', () => {});
    await registry.addRoom({ ...listing, roomId: 'frozen-room', nodeId: 'frozen' });
    const frozen = await callFailure(
      a!.node.server.callRoom('frozen-room', 'addBots', {}, { timeoutMs: 100 }),
    );
    expect(frozen.code).toBe(ErrorCode.NODE_UNREACHABLE);
    expect(frozen.message).toMatch(/node frozen did not take the call 'addBots' .* within 100 ms/);
  });

  it('drops and counts malformed messages from other nodes, and goes on answering', async () => {
    const registry = new MemoryRegistry();
    const [a, b] = await nodes(registry, 'node-a', 'node-b');
    const roomId = await roomOn(b!.node);
    const call = {
      v: 1,
      k: 'call',
      id: 'a'.repeat(32),
      from: 'node-a',
      room: roomId,
      name: 'addBots',
      ms: 1000,
    };
    const bad = [
      'not json',
      '{"v":2,"k":"call"}',
      JSON.stringify({ ...call, v: 2 }),
      JSON.stringify({ ...call, id: 'short' }),
      JSON.stringify({ ...call, ms: 1e9 }),
      JSON.stringify({ v: 1, k: 'err', id: 'b'.repeat(32), code: 'NO_SUCH_CODE', message: '' }),
      'null',
      '[]',
    ];
    for (const text of bad) await registry.publish('node:node-b', text);
    await registry.publish('node:node-b', JSON.stringify({ ...call, args: 'x'.repeat(90_000) }));
    await eventually(
      () => b!.metrics.total('node_messages_dropped_total') === bad.length + 1,
      'every message dropped',
    );
    expect(b!.metrics.total('node_messages_dropped_total', { reason: 'malformed' })).toBe(bad.length);
    expect(b!.metrics.total('node_messages_dropped_total', { reason: 'too_large' })).toBe(1);
    expect(BotsRoom.byId.get(roomId)?.bots).toBe(0);
    expect(await a!.node.server.callRoom(roomId, 'addBots', { count: 1 })).toEqual({ bots: 1 });
  });

  it('runs at most 1,024 calls of other nodes at once, each held no longer than its caller waits', async () => {
    const registry = new MemoryRegistry();
    const [, b] = await nodes(registry, 'node-a', 'node-b');
    const roomId = await roomOn(b!.node);
    const answers: { id: string; k: string; code?: string }[] = [];
    await registry.subscribeChannel('node:probe', (text) => answers.push(JSON.parse(text)));
    const send = (i: number, ms: number) =>
      registry.publish(
        'node:node-b',
        JSON.stringify({
          v: 1,
          k: 'call',
          id: i.toString(16).padStart(32, '0'),
          from: 'probe',
          room: roomId,
          name: 'hang',
          ms,
        }),
      );
    for (let i = 0; i < 1_024; i++) await send(i, 2_000);
    await send(1_024, 2_000);
    await eventually(() => answers.some((answer) => answer.code === ErrorCode.RATE_LIMITED), 'the refusal');
    expect(answers.filter((answer) => answer.k === 'ack')).toHaveLength(1_024);
    expect(answers.filter((answer) => answer.k === 'err')).toEqual([
      expect.objectContaining({ code: ErrorCode.RATE_LIMITED, id: (1_024).toString(16).padStart(32, '0') }),
    ]);
    // Their callers stopped waiting: the slots are free again.
    await sleep(2_100);
    await send(2_000, 300);
    await eventually(() => answers.filter((answer) => answer.k === 'ack').length === 1_025, 'taken again');
  });

  it('refuses RATE_LIMITED past 1,024 calls waiting on one node, and fails them SERVER_SHUTTING_DOWN as it closes', async () => {
    const [a, b] = await nodes(new MemoryRegistry(), 'node-a', 'node-b');
    const roomId = await roomOn(b!.node);
    const waiting = Array.from({ length: 1_024 }, () => callFailure(a!.node.server.callRoom(roomId, 'hang')));
    const over = await callFailure(a!.node.server.callRoom(roomId, 'hang'));
    expect(over.code).toBe(ErrorCode.RATE_LIMITED);
    await a!.node.server.close({ drainMs: 0 });
    const codes = new Set((await Promise.all(waiting)).map((error) => error.code));
    expect(codes).toEqual(new Set([ErrorCode.SERVER_SHUTTING_DOWN]));
    expect((await callFailure(a!.node.server.callRoom(roomId, 'addBots', { count: 1 }))).code).toBe(
      ErrorCode.SERVER_SHUTTING_DOWN,
    );
  });

  it('refuses at once what is no call: a room id or name that is no string, a timeout out of range', async () => {
    const [a] = await nodes(new MemoryRegistry(), 'node-a');
    const call = a!.node.server.callRoom.bind(a!.node.server) as (...args: unknown[]) => unknown;
    expect(() => call(42, 'addBots')).toThrow(TypeError);
    expect(() => call('room', '')).toThrow(TypeError);
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 600_001, '100']) {
      expect(() => call('room', 'addBots', {}, { timeoutMs })).toThrow(RangeError);
    }
  });

  it('with a registry that carries no messages, calls reach this node only', async () => {
    const shared = new MemoryRegistry();
    // A custom registry of an app's, without the optional channels.
    const bare = (): Registry =>
      new Proxy(shared, {
        get: (target, key) => {
          if (key === 'publish' || key === 'subscribeChannel') return undefined;
          const value: unknown = Reflect.get(target, key, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const [a, b] = await Promise.all([nodes(bare(), 'node-a'), nodes(bare(), 'node-b')]).then((all) =>
      all.flat(),
    );
    const roomId = await roomOn(b!.node);
    expect(await b!.node.server.callRoom(roomId, 'addBots', { count: 1 })).toEqual({ bots: 1 });
    const elsewhere = await callFailure(a!.node.server.callRoom(roomId, 'addBots', { count: 1 }));
    expect(elsewhere.code).toBe(ErrorCode.NODE_UNREACHABLE);
    expect(elsewhere.message).toMatch(/carries no messages between nodes/);
  });
});

describe('messages between nodes by topic', () => {
  it('reaches every node subscribed to the topic, the publisher too, as JSON, and says how many', async () => {
    const [a, b, c] = await nodes(new MemoryRegistry(), 'node-a', 'node-b', 'node-c');
    const heard: string[] = [];
    const schema = v.object({ playerId: v.string(), until: v.string() });
    for (const { node } of [a!, b!]) {
      await node.server.subscribe('bans', schema, (ban, from) => {
        heard.push(`${node.server.nodeId} ${ban.playerId} ${ban.until} from ${from.nodeId}`);
      });
    }
    await c!.node.server.subscribe('other', v.unknown(), () => heard.push('other'));
    expect(await a!.node.server.publish('bans', { playerId: 'p1', until: new Date(0) })).toBe(2);
    await eventually(() => heard.length === 2, 'both nodes heard');
    expect(heard.sort()).toEqual([
      'node-a p1 1970-01-01T00:00:00.000Z from node-a',
      'node-b p1 1970-01-01T00:00:00.000Z from node-a',
    ]);
    expect(await c!.node.server.publish('nobody', 1)).toBe(0);
  });

  it('drops and counts data a subscriber refuses, logs a handler that throws, and stops at the disposer', async () => {
    const [a, b] = await nodes(new MemoryRegistry(), 'node-a', 'node-b');
    const heard: unknown[] = [];
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const stop = await b!.node.server.subscribe('scores', v.number(), (score) => {
        if (score < 0) throw new Error('negative');
        heard.push(score);
      });
      await b!.node.server.subscribe('scores', v.unknown(), async (score) => {
        if (score === 'reject') throw new Error('rejected');
      });
      for (const data of [1, 'two', -3, 'reject', 4]) await a!.node.server.publish('scores', data);
      await eventually(() => heard.length === 2, 'the scores');
      expect(heard).toEqual([1, 4]);
      await eventually(() => b!.metrics.total('topic_handler_errors_total') === 2, 'both faults counted');
      expect(b!.metrics.total('node_messages_dropped_total', { reason: 'refused' })).toBe(2);
      stop();
      await a!.node.server.publish('scores', 5);
      await sleep(50);
      expect(heard).toEqual([1, 4]);
    } finally {
      logged.mockRestore();
    }
  });

  it('refuses a subscription once its node has closed: nothing of the cluster reaches it then', async () => {
    const [a, b] = await nodes(new MemoryRegistry(), 'node-a', 'node-b');
    const heard: unknown[] = [];
    await a!.node.close();
    await expect(
      a!.node.server.subscribe('bans', v.unknown(), (ban) => heard.push(ban)),
    ).rejects.toMatchObject({
      code: ErrorCode.SERVER_SHUTTING_DOWN,
    });
    expect(await b!.node.server.publish('bans', 'p1')).toBe(0);
    await sleep(20);
    expect(heard).toEqual([]);
  });

  it('refuses a topic of another form at once, and data JSON cannot write or over the limit', async () => {
    const [a] = await nodes(new MemoryRegistry(), 'node-a');
    const server = a!.node.server;
    expect(() => server.publish('has space', 1)).toThrow(TypeError);
    expect(() => server.publish('', 1)).toThrow(TypeError);
    expect(() => server.subscribe('x'.repeat(65), v.unknown(), () => {})).toThrow(TypeError);
    expect(() => (server.subscribe as (...args: unknown[]) => unknown)('bans', () => {})).toThrow(
      /subscribe\('bans', schema, handler\)/,
    );
    expect(() => server.subscribe('bans', v.unknown(), () => {}, { onGap: 'resync' as never })).toThrow(
      /onGap must be a function, got string/,
    );
    await expect(server.publish('bans', { n: 1n })).rejects.toMatchObject({
      code: ErrorCode.INVALID_MESSAGE,
    });
    await expect(server.publish('bans', 'x'.repeat(70_000))).rejects.toMatchObject({
      code: ErrorCode.MESSAGE_TOO_LARGE,
    });
  });
});
