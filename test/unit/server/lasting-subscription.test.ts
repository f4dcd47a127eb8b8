import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { CountingMetrics } from '../../../src/server/metrics.js';
import {
  LastingSubscription,
  RESUBSCRIBE_BACKOFF,
  SLOW_SUBSCRIPTION_MS,
} from '../../../src/server/node-messages/lasting-subscription.js';
import { SubscriptionsDown } from '../../../src/server/node-messages/subscriptions-down.js';
import { ThrottledFailures } from '../../../src/server/throttled-failures.js';

/** A registry's `subscribeChannel` that fails while `down`, and counts its attempts. */
function flakyChannel() {
  const state = { down: true, attempts: 0, subscribed: 0, disposed: 0, hang: false };
  const subscribeChannel = async (_channel: string, _listener: (message: string) => void) => {
    state.attempts++;
    if (state.hang) await new Promise(() => {});
    if (state.down) throw new Error('Redis unreachable');
    state.subscribed++;
    return () => {
      state.disposed++;
    };
  };
  return { state, subscribeChannel };
}

function lasting(subscribeChannel: ReturnType<typeof flakyChannel>['subscribeChannel']) {
  const clock = new ManualClock();
  const metrics = new CountingMetrics();
  const subscription = new LastingSubscription({
    subscribeChannel,
    clock,
    channel: 'node:a',
    what: 'node a: its channel for room calls',
    failures: new ThrottledFailures(metrics, 'node_subscription_failures_total', 'node messages'),
    labels: { kind: 'calls' },
    listener: () => {},
  });
  return { clock, metrics, subscription };
}

/** Lets the promises of attempts settle. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a subscription that does not give up', () => {
  it('tries again by itself after a failure, backing off, until one holds', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // Each delay half its ceiling: 125 ms, 250 ms, ... 4 s, then 5 s (half the 10 s cap) for good.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const { state, subscribeChannel } = flakyChannel();
    const { clock, metrics, subscription } = lasting(subscribeChannel);
    let placed = false;
    void subscription.placed.then(() => {
      placed = true;
    });
    await expect(subscription.start()).rejects.toThrow('Redis unreachable');
    // A minute down: attempts come no faster than the backoff allows, each counted.
    for (let ms = 0; ms < 60_000; ms += 50) {
      clock.advance(50);
      await settle();
    }
    const attempts = state.attempts;
    // 7 attempts in the first 8 s, then one per 5 s (each a little later: the clock moves in 50 ms steps).
    expect(attempts).toBeGreaterThanOrEqual(15);
    expect(attempts).toBeLessThanOrEqual(17);
    expect(metrics.total('node_subscription_failures_total', { kind: 'calls' })).toBe(attempts);
    // The log says it at once, then at most once per 10 s.
    expect(errors.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(errors.mock.calls.length).toBeLessThanOrEqual(7);
    expect(String(errors.mock.calls[0]?.[0])).toContain(
      'node a: its channel for room calls could not be subscribed',
    );
    expect(placed).toBe(false);
    state.down = false;
    clock.advance(RESUBSCRIBE_BACKOFF.maxMs);
    await settle();
    expect(placed).toBe(true);
    expect(state.subscribed).toBe(1);
    expect(String(warnings.mock.calls.at(-1)?.[0])).toContain(
      `is subscribed now, after ${attempts} failed attempts`,
    );
    // In place: no more attempts, and `start` resolves at once.
    clock.advance(60_000);
    await subscription.start();
    expect(state.attempts).toBe(attempts + 1);
  });

  it('makes a waiting retry at once when asked, one attempt at a time', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { state, subscribeChannel } = flakyChannel();
    const { clock, subscription } = lasting(subscribeChannel);
    await subscription.start().catch(() => {});
    state.down = false;
    await Promise.all([subscription.start(), subscription.start()]);
    expect([state.attempts, state.subscribed]).toEqual([2, 1]);
    // The retry that was scheduled is gone.
    clock.advance(60_000);
    await settle();
    expect(state.attempts).toBe(2);
  });

  it('stops trying once closed, and ends a subscription that lands after', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const { state, subscribeChannel } = flakyChannel();
    const { clock, subscription } = lasting(subscribeChannel);
    await subscription.start().catch(() => {});
    subscription.close(new Error('closing'));
    await expect(subscription.placed).rejects.toThrow('closing');
    clock.advance(60_000);
    await settle();
    expect(state.attempts).toBe(1);

    const late = flakyChannel();
    late.state.down = false;
    const second = lasting(late.subscribeChannel);
    const attempt = second.subscription.start();
    second.subscription.close(new Error('closing'));
    await attempt;
    expect([late.state.subscribed, late.state.disposed]).toEqual([1, 1]);
  });

  it('says so in the log once when an attempt waits long (Redis holding its SUBSCRIBE through an outage)', async () => {
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { state, subscribeChannel } = flakyChannel();
    state.hang = true;
    const { clock, subscription } = lasting(subscribeChannel);
    void subscription.start();
    clock.advance(SLOW_SUBSCRIPTION_MS - 1);
    expect(warnings).not.toHaveBeenCalled();
    clock.advance(60_000);
    expect(warnings).toHaveBeenCalledTimes(1);
    expect(String(warnings.mock.calls[0]?.[0])).toContain('is not subscribed yet after 10 s');
  });

  it('leaves no timer behind at close while an attempt still waits (Redis holding its SUBSCRIBE)', async () => {
    const warnings = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { state, subscribeChannel } = flakyChannel();
    state.hang = true;
    const { clock, subscription } = lasting(subscribeChannel);
    void subscription.start();
    subscription.close(new Error('closing'));
    // Nothing of the closed node is left to run, however long the SUBSCRIBE stays unanswered.
    expect(clock.pendingTimers).toBe(0);
    clock.advance(60_000);
    expect(warnings).not.toHaveBeenCalled();
  });

  it('is in place until the registry says it lost it, and again once it says it is back (its gap)', async () => {
    // The node's lines about the loss (test/unit/server/subscriptions-down.test.ts).
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    vi.spyOn(console, 'info').mockImplementation(() => {});
    const metrics = new CountingMetrics();
    const clock = new ManualClock();
    const down = new SubscriptionsDown(metrics, { nodeId: 'a', clock });
    const told = { gap: () => {}, down: () => {} };
    let gaps = 0;
    const subscription = new LastingSubscription({
      subscribeChannel: async (_channel, _listener, onGap, onDown) => {
        told.gap = onGap ?? told.gap;
        told.down = onDown ?? told.down;
        return () => {};
      },
      clock,
      channel: 'topic:news',
      what: "node a: topic 'news'",
      failures: new ThrottledFailures(metrics, 'node_subscription_failures_total', 'node messages'),
      labels: { kind: 'topic' },
      listener: () => {},
      onGap: () => gaps++,
      down,
    });
    // Wanted and not had, from the start.
    expect(metrics.current('node_subscriptions_down')).toBe(1);
    await subscription.start();
    expect(metrics.current('node_subscriptions_down')).toBe(0);
    await subscription.inPlace;
    told.down();
    expect(metrics.current('node_subscriptions_down')).toBe(1);
    let inPlace = false;
    void subscription.inPlace.then(() => {
      inPlace = true;
    });
    await settle();
    expect(inPlace).toBe(false);
    told.gap();
    await settle();
    expect([inPlace, gaps, metrics.current('node_subscriptions_down')]).toEqual([true, 1, 0]);
    // Lost again, then closed: a wait rejects, and the closed subscription counts no more.
    told.down();
    const waiting = subscription.inPlace;
    subscription.close(new Error('closing'));
    await expect(waiting).rejects.toThrow('closing');
    await expect(subscription.inPlace).rejects.toThrow('closing');
    expect(metrics.current('node_subscriptions_down')).toBe(0);
  });
});
