import type { Registry } from 'vehikill-net/server';
import { describe, expect, it, vi } from 'vitest';

/**
 * The contract of a registry's channels (`publish`, `subscribeChannel`: messages between nodes), run against
 * each implementation that has them. `connectPair` gives the registries of two nodes sharing one store
 * (for the in-memory registry, one registry twice: nodes in one process share it).
 */
export function channelContract(name: string, connectPair: () => Promise<[Registry, Registry]>): void {
  describe(`Registry channels: ${name}`, () => {
    async function pair(): Promise<[Required<Channels>, Required<Channels>, () => Promise<void>]> {
      const [a, b] = await connectPair();
      const close = async () => {
        await Promise.all([...new Set([a, b])].map((registry) => registry.close()));
      };
      return [channels(a), channels(b), close];
    }

    it('delivers a message to every subscription of its channel, the publisher its own too, and counts them', async () => {
      const [a, b, close] = await pair();
      const heard: string[] = [];
      await a.subscribeChannel('news', (message) => heard.push(`a ${message}`));
      await b.subscribeChannel('news', (message) => heard.push(`b ${message}`));
      await b.subscribeChannel('other', (message) => heard.push(`other ${message}`));
      expect(await a.publish('news', 'hello')).toBe(2);
      await until(() => heard.length >= 2);
      expect(heard.sort()).toEqual(['a hello', 'b hello']);
      expect(await a.publish('nobody', 'lost')).toBe(0);
      await settle();
      expect(heard).toHaveLength(2);
      await close();
    });

    it("keeps one node's messages in the order it published them", async () => {
      const [a, b, close] = await pair();
      const heard: string[] = [];
      await b.subscribeChannel('ordered', (message) => heard.push(message));
      const sent = Array.from({ length: 50 }, (_, i) => `m${i}`);
      await Promise.all(sent.map((message) => a.publish('ordered', message)));
      await until(() => heard.length >= sent.length);
      expect(heard).toEqual(sent);
      await close();
    });

    it('stops delivering to a disposed subscription, and the others of its channel still hear', async () => {
      const [a, b, close] = await pair();
      const first: string[] = [];
      const second: string[] = [];
      const listener = (message: string) => first.push(message);
      const dispose = await b.subscribeChannel('news', listener);
      // The same function subscribed twice is two subscriptions, each disposed on its own.
      const disposeAgain = await b.subscribeChannel('news', listener);
      await b.subscribeChannel('news', (message) => second.push(message));
      expect(await a.publish('news', 'one')).toBeGreaterThan(0);
      await until(() => first.length >= 2 && second.length >= 1);
      dispose();
      disposeAgain();
      dispose();
      await a.publish('news', 'two');
      await until(() => second.length >= 2);
      await settle();
      expect(first).toEqual(['one', 'one']);
      expect(second).toEqual(['one', 'two']);
      await close();
    });

    it('a channel left by every subscription can be subscribed again', async () => {
      const [a, b, close] = await pair();
      const heard: string[] = [];
      (await b.subscribeChannel('news', () => {}))();
      await b.subscribeChannel('news', (message) => heard.push(message));
      expect(await a.publish('news', 'back')).toBe(1);
      await until(() => heard.length >= 1);
      expect(heard).toEqual(['back']);
      await close();
    });

    it('a listener that throws is logged, and the others still hear', async () => {
      const [a, b, close] = await pair();
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        const heard: string[] = [];
        await b.subscribeChannel('news', () => {
          throw new Error('app bug');
        });
        await b.subscribeChannel('news', (message) => heard.push(message));
        await a.publish('news', 'still here');
        await until(() => heard.length >= 1);
        expect(heard).toEqual(['still here']);
        expect(logged).toHaveBeenCalled();
      } finally {
        logged.mockRestore();
        await close();
      }
    });

    it('tells a subscription of no gap while it was never down', async () => {
      const [a, b, close] = await pair();
      const heard: string[] = [];
      let gaps = 0;
      await b.subscribeChannel(
        'news',
        (message) => heard.push(message),
        () => gaps++,
      );
      await a.publish('news', 'one');
      await until(() => heard.length >= 1);
      await settle();
      expect([heard, gaps]).toEqual([['one'], 0]);
      await close();
    });

    it('carries any text: JSON with escapes, lone surrogates, line breaks, 64 KiB', async () => {
      const [a, b, close] = await pair();
      const heard: string[] = [];
      await b.subscribeChannel('text', (message) => heard.push(message));
      const texts = [JSON.stringify({ a: '\ud800 "q" \n' }), 'x'.repeat(65_536), '', 'é 😀'];
      for (const text of texts) await a.publish('text', text);
      await until(() => heard.length >= texts.length);
      expect(heard).toEqual(texts);
      await close();
    });
  });
}

type Channels = Pick<Registry, 'publish' | 'subscribeChannel'>;

/** The registry's channel methods, which the contract requires of the registries it runs for. */
function channels(registry: Registry): Required<Channels> {
  const { publish, subscribeChannel } = registry;
  if (publish === undefined || subscribeChannel === undefined)
    throw new Error('the registry has no channels');
  return {
    publish: publish.bind(registry),
    subscribeChannel: subscribeChannel.bind(registry),
  };
}

async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Long enough for a message still on its way to arrive. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 100));
