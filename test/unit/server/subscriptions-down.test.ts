import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { CountingMetrics } from '../../../src/server/metrics.js';
import { SubscriptionsDown } from '../../../src/server/node-messages/subscriptions-down.js';

/** A node's SubscriptionsDown, with its log lines. */
function watched() {
  const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
  const infos = vi.spyOn(console, 'info').mockImplementation(() => {});
  const clock = new ManualClock();
  const metrics = new CountingMetrics();
  const down = new SubscriptionsDown(metrics, { nodeId: 'node-a', clock });
  const lines = () => ({
    warnings: warnings.mock.calls.map(([line]) => String(line)),
    infos: infos.mock.calls.map(([line]) => String(line)),
  });
  return { clock, metrics, down, lines };
}

/** Lets the microtasks run: the loss is said once the registry has told every subscription of it. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A node's channel for calls and one topic's, in place, then lost with the connection, and the loss said. */
async function bothLost(down: SubscriptionsDown): Promise<[calls: object, news: object]> {
  const [calls, news] = [{}, {}];
  for (const subscription of [calls, news]) down.inPlace(subscription);
  for (const subscription of [calls, news]) down.lost(subscription);
  await settle();
  return [calls, news];
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the log of a node's subscriptions lost and back", () => {
  it('says one warning when they are lost and one info line when the last is back, with the count and how long', async () => {
    const { clock, metrics, down, lines } = watched();
    const [calls, news, bans] = [{}, {}, {}];
    for (const subscription of [calls, news, bans]) down.inPlace(subscription);
    expect(lines()).toEqual({ warnings: [], infos: [] });
    for (const subscription of [calls, news, bans]) down.lost(subscription);
    // The registry tells every failed reconnect again: no more lines.
    for (let attempt = 0; attempt < 5; attempt++) {
      for (const subscription of [calls, news, bans]) down.lost(subscription);
    }
    await settle();
    expect(metrics.current('node_subscriptions_down')).toBe(3);
    expect(lines().warnings).toEqual([
      "vehikill-net: node node-a: 3 subscriptions of the registry's channels lost (the connection to Redis is down): messages between nodes do not reach this node until they are back",
    ]);
    clock.advance(12_340);
    down.inPlace(calls);
    down.inPlace(news);
    expect(lines().infos).toEqual([]);
    clock.advance(100);
    down.inPlace(bans);
    expect(lines().infos).toEqual([
      "vehikill-net: node node-a: 3 subscriptions of the registry's channels back after 12.4 s down (what was published meanwhile was missed; topics' onGap is called)",
    ]);
    expect(lines().warnings).toHaveLength(1);
    // The next outage is said again.
    down.lost(calls);
    await settle();
    down.inPlace(calls);
    expect([lines().warnings.length, lines().infos.length]).toEqual([2, 2]);
    expect(lines().infos[1]).toContain('1 subscription of the registry');
  });

  it('says nothing of subscriptions waiting for their first success (they log that themselves)', async () => {
    const { down, metrics, lines } = watched();
    const topic = {};
    down.waiting(topic);
    await settle();
    expect(metrics.current('node_subscriptions_down')).toBe(1);
    down.inPlace(topic);
    expect(lines()).toEqual({ warnings: [], infos: [] });
  });

  it('says no line of return when the lost subscriptions are forgotten (the node closing during the outage)', async () => {
    const { down, metrics, lines } = watched();
    const [calls, news] = await bothLost(down);
    down.forget(news);
    down.forget(calls);
    expect(metrics.current('node_subscriptions_down')).toBe(0);
    expect(lines().warnings).toHaveLength(1);
    expect(lines().infos).toEqual([]);
  });

  it('counts only those still wanted when the others are back: a topic left during the outage', async () => {
    const { down, lines } = watched();
    const [calls, news] = await bothLost(down);
    down.forget(news);
    down.inPlace(calls);
    expect(lines().infos).toHaveLength(1);
    expect(lines().infos[0]).toContain('node node-a: 1 subscription of the registry');
  });
});
