import * as v from 'valibot';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Disposer, ManualClock } from '../../../src/common/index.js';
import { CountingMetrics } from '../../../src/server/metrics.js';
import { NodeTopics } from '../../../src/server/node-messages/node-topics.js';
import { MemoryRegistry } from '../../../src/server/registry/memory-registry.js';

/**
 * A registry whose channels can be said lost and back, as the Redis registry says them (`onDown`, then
 * `onGap` once the subscription is in place again), with the in-memory registry's messages.
 */
class LosableChannels extends MemoryRegistry {
  readonly #told: { lost: () => void; back: () => void }[] = [];

  override async subscribeChannel(
    channel: string,
    listener: (message: string) => void,
    onGap?: () => void,
    onDown?: () => void,
  ): Promise<Disposer> {
    this.#told.push({ lost: () => onDown?.(), back: () => onGap?.() });
    return super.subscribeChannel(channel, listener);
  }

  /** The connection lost: every subscription in place is down. */
  lose(): void {
    for (const { lost } of this.#told) lost();
  }

  /** Back: each subscription in place again, and its gap told. */
  restore(): void {
    for (const { back } of this.#told) back();
  }
}

/** Node A's topics, through `registry`. */
function topicsOn(registry: MemoryRegistry): NodeTopics {
  return new NodeTopics({
    registry,
    clock: new ManualClock(),
    metrics: new CountingMetrics(),
    nodeId: 'node-a',
    maxBytes: 1_024,
  });
}

/** Lets the promises settle, and the registry's deliveries run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a topic's later subscriber waiting through the loss of its subscription", () => {
  it('hears neither messages nor the gap before its subscribe resolves, and both after', async () => {
    const registry = new LosableChannels();
    const topics = topicsOn(registry);
    const events: string[] = [];
    await topics.subscribe('news', v.string(), (data) => events.push(`first heard ${data}`), {
      onGap: () => events.push('first told of the gap'),
    });
    registry.lose();
    let subscribed = false;
    const subscribing = topics
      .subscribe(
        'news',
        v.string(),
        (data) => events.push(`second heard ${data} (subscribed: ${subscribed})`),
        {
          onGap: () => events.push(`second told of a gap (subscribed: ${subscribed})`),
        },
      )
      .then((dispose) => {
        subscribed = true;
        events.push('second subscribed');
        return dispose;
      });
    // What reaches the node while the subscription is said lost (Redis delivers what it had sent before
    // the connection closed, or what comes as it is subscribed again): the second subscriber waits still.
    await topics.publish('news', 'while lost');
    await settle();
    registry.restore();
    await subscribing;
    await topics.publish('news', 'after');
    await settle();
    expect(events).toEqual([
      'first heard while lost',
      'first told of the gap',
      'second subscribed',
      'first heard after',
      'second heard after (subscribed: true)',
    ]);
    // Later gaps are the second subscriber's news too.
    registry.lose();
    registry.restore();
    expect(events.slice(5)).toEqual(['first told of the gap', 'second told of a gap (subscribed: true)']);
    topics.close();
  });

  it('a first subscriber hears nothing before its subscribe resolves either', async () => {
    const registry = new MemoryRegistry();
    const topics = topicsOn(registry);
    let subscribed = false;
    const heard: string[] = [];
    const subscribing = topics.subscribe('news', v.string(), (data) => heard.push(`${data} ${subscribed}`));
    // Published by another node on the channel as it is being subscribed to.
    await registry.publish('topic:news', JSON.stringify({ v: 1, from: 'node-b', data: 'early' }));
    await subscribing.then(() => {
      subscribed = true;
    });
    await settle();
    expect(heard.every((line) => line.endsWith('true'))).toBe(true);
    topics.close();
  });

  it('a later subscriber hears nothing published in the tick it subscribed before its caller has it', async () => {
    const registry = new MemoryRegistry();
    const topics = topicsOn(registry);
    const firstHeard: string[] = [];
    await topics.subscribe('news', v.string(), (data) => firstHeard.push(String(data)));
    let dispose: Disposer | undefined;
    const heard: string[] = [];
    // The topic's subscription is in place already: the second subscribe resolves at the next tick, and
    // what is published in this one is delivered at a tick of its own right behind it.
    const subscribing = topics.subscribe('news', v.string(), (data) => {
      heard.push(`${data} (subscription had: ${dispose !== undefined})`);
    });
    await topics.publish('news', 'same tick');
    dispose = await subscribing;
    await topics.publish('news', 'after');
    await settle();
    expect(firstHeard).toEqual(['same tick', 'after']);
    expect(heard).toEqual(['after (subscription had: true)']);
    topics.close();
  });
});

describe("a topic's subscriber disposed", () => {
  it('hears nothing more, even of a message the others are being told of as it is disposed', async () => {
    const topics = topicsOn(new MemoryRegistry());
    const heard: string[] = [];
    let disposeSecond: Disposer = () => {};
    await topics.subscribe('news', v.string(), (data) => {
      heard.push(`first ${data}`);
      disposeSecond();
    });
    disposeSecond = await topics.subscribe('news', v.string(), (data) => heard.push(`second ${data}`));
    await topics.publish('news', 'one');
    await settle();
    expect(heard).toEqual(['first one']);
    topics.close();
  });
});
