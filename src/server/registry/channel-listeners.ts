import { callListener } from './registry.js';

/** The subscriptions of a registry's channels (see `Registry.subscribeChannel`), by channel. */
export class ChannelListeners {
  readonly #byChannel = new Map<string, Set<(message: string) => void>>();
  /** What a call is about, for the log line of a listener that throws. */
  readonly #describe: (channel: string) => string;

  /** `describe`: what a call on `channel` is about, as the log says it ("a message on 'news'"). */
  constructor(describe: (channel: string) => string = (channel) => `a message on '${channel}'`) {
    this.#describe = describe;
  }

  /**
   * Adds a subscription of `channel`; returns its removal, which says true when it took the channel's last
   * one. Wrapped: the same function subscribed twice is two subscriptions, each removed on its own.
   */
  add(channel: string, given: (message: string) => void): () => boolean {
    const listener = (message: string) => given(message);
    let listeners = this.#byChannel.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#byChannel.set(channel, listeners);
    }
    listeners.add(listener);
    return () => {
      const now = this.#byChannel.get(channel);
      if (!now?.delete(listener) || now.size > 0) return false;
      this.#byChannel.delete(channel);
      return true;
    };
  }

  /**
   * Calls the subscriptions of `channel` with `message`; `current`: those subscribed when it was published,
   * of which only the ones still subscribed hear it. One that throws is logged (see `callListener`).
   */
  deliver(channel: string, message: string, current = this.#byChannel.get(channel)): void {
    for (const listener of [...(current ?? [])]) {
      if (this.#byChannel.get(channel)?.has(listener))
        callListener(listener, message, this.#describe(channel));
    }
  }

  /** The subscriptions of `channel` now, for a later `deliver`. */
  snapshot(channel: string): Set<(message: string) => void> {
    return new Set(this.#byChannel.get(channel));
  }

  /** The channels that have subscriptions now. */
  channels(): string[] {
    return [...this.#byChannel.keys()];
  }

  clear(): void {
    this.#byChannel.clear();
  }
}
