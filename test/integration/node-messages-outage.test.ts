import * as v from 'valibot';
import { CountingMetrics, RedisRegistry, type RedisRegistryOptions, Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useRedis } from '../support/redis.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/**
 * Room calls and topic messages between nodes across Redis outages: each node's subscriptions come back on
 * their own, and a topic's subscribers hear that messages may have been missed meanwhile.
 * test/integration/cluster-calls.test.ts covers the nodes in steady state.
 */

class BotsRoom extends Room {
  bots = 0;
  override onCreate(): void {
    this.onCall('addBots', v.object({ count: v.number() }), ({ count }) => {
      this.bots += count;
      return { bots: this.bots };
    });
  }
}

const SECRET = 'a-secret-the-nodes-share-of-32-bytes-or-more';
const redis = useRedis();
const servers: TestServer[] = [];
const registries: RedisRegistry[] = [];
let prefixes = 0;

afterEach(async () => {
  redis.resume();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(registries.splice(0).map((registry) => registry.close()));
  vi.restoreAllMocks();
});

/** A node on the test's Redis (down or not), with its own registry and metrics. */
async function node(
  nodeId: string,
  keyPrefix: string,
  options: RedisRegistryOptions = {},
): Promise<{ node: TestServer; metrics: CountingMetrics }> {
  const registry = new RedisRegistry({ url: redis.url, keyPrefix, ...options });
  registries.push(registry);
  const metrics = new CountingMetrics();
  const started = await startServer(
    { bots: BotsRoom },
    { registry, nodeId, metrics, guestSecret: SECRET, nodeTtlMs: 3_000 },
  );
  servers.push(started);
  return { node: started, metrics };
}

describe('room calls between nodes across a Redis outage', () => {
  it('a node started while Redis is down takes calls once Redis is back, though it calls no one itself', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const failed = vi.spyOn(console, 'error').mockImplementation(() => {});
    const prefix = `late-node${prefixes++}:`;
    await redis.stop();
    // ioredis options of the app's own: its SUBSCRIBE gives up as any command does, after 2 reconnects.
    const b = await node('node-b', prefix, { redis: { maxRetriesPerRequest: 1 } });
    await eventually(
      () => b.metrics.total('node_subscription_failures_total', { kind: 'calls' }) >= 2,
      'the subscription failed, and again after its backoff',
    );
    expect(failed.mock.calls.map(([line]) => String(line))).toContainEqual(
      expect.stringContaining('node node-b: its channel for room calls could not be subscribed'),
    );
    await redis.restart();
    const a = await node('node-a', prefix);
    const player = b.node.client();
    await eventually(() => (b.node.server.registry as RedisRegistry).connected, 'node B reconnected', 10_000);
    await player.connect();
    const { roomId } = await player.create('bots');
    // Subscribed again within the backoff's cap (10 s), with no call made on node B.
    let answer: unknown;
    const deadline = Date.now() + 20_000;
    while (answer === undefined && Date.now() < deadline) {
      answer = await a.node.server
        .callRoom(roomId, 'addBots', { count: 2 }, { timeoutMs: 1_000 })
        .catch(() => {
          return undefined;
        });
      if (answer === undefined) await sleep(200);
    }
    expect(answer).toEqual({ bots: 2 });
    expect(warned.mock.calls.map(([line]) => String(line))).toContainEqual(
      expect.stringContaining('node node-b: its channel for room calls is subscribed now, after'),
    );
  }, 40_000);
});

describe('topic messages across a Redis outage', () => {
  it('a subscriber is told of the gap once its subscription is back after a Redis restart, and hears what follows', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const prefix = `gap${prefixes++}:`;
    const [a, b] = [await node('node-a', prefix), await node('node-b', prefix)];
    await (a.node.server.registry as RedisRegistry).ready(5_000);
    const heard: unknown[] = [];
    let gaps = 0;
    const events: string[] = [];
    await b.node.server.subscribe('news', v.string(), (data) => heard.push(data), {
      onGap: () => {
        gaps++;
        events.push('gap');
      },
    });
    // A subscriber without onGap on the same topic goes on as before.
    await b.node.server.subscribe('news', v.string(), () => events.push('other'));
    // One whose onGap throws is logged and counted, and the others are told all the same.
    await b.node.server.subscribe('news', v.string(), () => {}, {
      onGap: () => {
        throw new Error('resync bug');
      },
    });
    expect(await a.node.server.publish('news', 'before')).toBe(1);
    await eventually(() => heard.length === 1, 'the first message');
    expect(gaps).toBe(0);
    await redis.restart();
    // Once (twice, were the restart to take two reconnects: "may have" missed messages).
    await eventually(() => gaps >= 1, 'the gap told', 10_000);
    // What is published once node A is back too is heard.
    await eventually(() => (a.node.server.registry as RedisRegistry).connected, 'node A reconnected', 10_000);
    expect(await a.node.server.publish('news', 'after')).toBe(1);
    await eventually(() => heard.length === 2, 'the message after the gap');
    expect(heard).toEqual(['before', 'after']);
    expect(events).toEqual(['other', ...Array(gaps).fill('gap'), 'other']);
    expect(b.metrics.total('topic_handler_errors_total')).toBe(gaps);
    expect(logged.mock.calls.map(([line]) => String(line))).toContainEqual(
      expect.stringContaining("the gap on topic 'news' was not handled: its onGap threw"),
    );
  }, 30_000);

  it('a subscription made while Redis is down waits for it, and tells of no gap', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const prefix = `down-topic${prefixes++}:`;
    await redis.stop();
    const b = await node('node-b', prefix, { redis: { maxRetriesPerRequest: 1 } });
    const heard: unknown[] = [];
    let gaps = 0;
    let subscribed = false;
    const subscribing = b.node.server
      .subscribe('news', v.string(), (data) => heard.push(data), { onGap: () => gaps++ })
      .then((dispose) => {
        subscribed = true;
        return dispose;
      });
    await eventually(
      () => b.metrics.total('node_subscription_failures_total', { kind: 'topic' }) >= 1,
      'the topic subscription failed',
    );
    expect(subscribed).toBe(false);
    await redis.restart();
    await subscribing;
    const a = await node('node-a', prefix);
    await eventually(() => (a.node.server.registry as RedisRegistry).connected, 'node A connected', 10_000);
    expect(await a.node.server.publish('news', 'hello')).toBe(1);
    await eventually(() => heard.length === 1, 'the message');
    expect(gaps).toBe(0);
  }, 30_000);

  it('a second subscriber to a topic while Redis is down waits until the subscription is back, and is told of later gaps only', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const prefix = `second-topic${prefixes++}:`;
    const b = await node('node-b', prefix);
    const heard: string[] = [];
    await b.node.server.subscribe('news', v.string(), (data) => heard.push(`first ${data}`));
    await redis.stop();
    // The node knows its subscriptions are lost (the gauge below), and a new subscriber waits for them.
    await eventually(() => b.metrics.current('node_subscriptions_down') === 2, 'the loss seen', 10_000);
    let gaps = 0;
    let subscribed = false;
    // Called before its subscribe resolved: the gap that ends its wait is the first subscriber's news.
    let early = 0;
    const subscribing = b.node.server
      .subscribe(
        'news',
        v.string(),
        (data) => {
          if (!subscribed) early++;
          heard.push(`second ${data}`);
        },
        {
          onGap: () => {
            if (!subscribed) early++;
            gaps++;
          },
        },
      )
      .then((dispose) => {
        subscribed = true;
        return dispose;
      });
    await sleep(300);
    expect(subscribed).toBe(false);
    await redis.restart();
    await subscribing;
    expect([early, gaps]).toEqual([0, 0]);
    const a = await node('node-a', prefix);
    await eventually(() => (a.node.server.registry as RedisRegistry).connected, 'node A connected', 10_000);
    expect(await a.node.server.publish('news', 'back')).toBe(1);
    await eventually(() => heard.length === 2, 'the message, to both subscribers');
    expect(heard).toEqual(['first back', 'second back']);
    // Later gaps reach the second subscriber too.
    const told = gaps;
    await redis.restart();
    await eventually(() => gaps > told, 'the next gap told', 10_000);
  }, 40_000);
});

describe("the log of a node's subscriptions through a Redis outage", () => {
  it('says one warning as they are lost and one info line once they are back, with their count and how long', async () => {
    const warned = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const told = vi.spyOn(console, 'info').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const b = await node('node-b', `outage-log${prefixes++}:`);
    await b.node.server.subscribe('news', v.string(), () => {});
    await b.node.server.subscribe('bans', v.string(), () => {});
    await eventually(() => b.metrics.current('node_subscriptions_down') === 0, 'in place');
    const lines = (spy: typeof warned) =>
      spy.mock.calls
        .map(([line]) => String(line))
        .filter((line) => line.includes("of the registry's channels"));
    expect([lines(warned), lines(told)]).toEqual([[], []]);
    await redis.stop();
    await eventually(() => b.metrics.current('node_subscriptions_down') === 3, 'the loss seen', 10_000);
    // Down through several reconnect attempts of ioredis's, each of which says the connection closed.
    await sleep(1_500);
    await redis.restart();
    await eventually(() => b.metrics.current('node_subscriptions_down') === 0, 'back', 10_000);
    // Its channel for room calls and its two topics': one line each way, for them all.
    expect(lines(warned)).toEqual([
      "vehikill-net: node node-b: 3 subscriptions of the registry's channels lost (the connection to Redis is down): messages between nodes do not reach this node until they are back",
    ]);
    expect(lines(told)).toHaveLength(1);
    const seconds = Number(/back after (\d+\.\d) s down/.exec(lines(told)[0] ?? '')?.[1]);
    expect(lines(told)[0]).toContain("node node-b: 3 subscriptions of the registry's channels back after");
    expect(seconds).toBeGreaterThanOrEqual(1.5);
  }, 30_000);
});

describe('the node_subscriptions_down gauge', () => {
  it('counts the channels a node wants and does not have: started while Redis is down, and after a loss', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const prefix = `gauge${prefixes++}:`;
    await redis.stop();
    const b = await node('node-b', prefix);
    // Its channel for room calls, waiting for Redis.
    await eventually(() => b.metrics.current('node_subscriptions_down') === 1, 'the call channel counted');
    const subscribing = b.node.server.subscribe('news', v.string(), () => {});
    await eventually(() => b.metrics.current('node_subscriptions_down') === 2, 'the topic counted too');
    await redis.restart();
    await subscribing;
    await eventually(() => b.metrics.current('node_subscriptions_down') === 0, 'back to 0', 10_000);
    // In place, then lost with the connection: counted until the registry has them back.
    await redis.stop();
    await eventually(() => b.metrics.current('node_subscriptions_down') === 2, 'the loss counted', 10_000);
    await redis.restart();
    await eventually(() => b.metrics.current('node_subscriptions_down') === 0, 'back to 0 again', 10_000);
  }, 40_000);

  it('returns to 0 after Redis flaps, and after the topic is left and the node closes while it is down', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const b = await node('node-b', `gauge-flaps${prefixes++}:`);
    const leave = await b.node.server.subscribe('news', v.string(), () => {});
    await eventually(() => b.metrics.current('node_subscriptions_down') === 0, 'in place');
    // Down and up again before the subscriptions are back, over and over.
    for (let flap = 0; flap < 4; flap++) {
      await redis.stop();
      await sleep(flap * 40);
      await redis.restart();
    }
    await eventually(
      () => b.metrics.current('node_subscriptions_down') === 0,
      'back to 0 after flaps',
      15_000,
    );
    await redis.stop();
    await eventually(() => b.metrics.current('node_subscriptions_down') === 2, 'the loss counted', 10_000);
    leave();
    expect(b.metrics.current('node_subscriptions_down')).toBe(1);
    await b.node.close();
    expect(b.metrics.current('node_subscriptions_down')).toBe(0);
    await redis.restart();
  }, 60_000);
});
