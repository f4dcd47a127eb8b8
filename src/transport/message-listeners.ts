import type { Disposer } from '../common/index.js';
import type { Channel } from './channels.js';

export type MessageListener = (channel: Channel, bytes: Uint8Array) => void;

/**
 * The `message` listeners of a link. Every datagram in and out passes here, so unlike the general
 * Emitter it wraps no event object and copies no listener set per message: the list is replaced on
 * (rare) subscribe and unsubscribe instead, which gives the same guarantees: a listener added or
 * removed during a dispatch takes effect from the next one, and a throwing listener is reported
 * without stopping the others or the caller.
 */
export class MessageListeners {
  #listeners: readonly MessageListener[] = [];
  /** Bumped by `clear()`: a disposer from before it must not remove a later subscription. */
  #generation = 0;

  /** Each call is its own subscription (the same function twice is called twice), each disposer ends one. */
  add(listener: MessageListener): Disposer {
    this.#listeners = [...this.#listeners, listener];
    let subscribed = true;
    const generation = this.#generation;
    return () => {
      if (!subscribed || generation !== this.#generation) return;
      subscribed = false;
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners = this.#listeners.filter((_, index) => index !== at);
    };
  }

  emit(channel: Channel, bytes: Uint8Array): void {
    const listeners = this.#listeners;
    for (let i = 0; i < listeners.length; i++) {
      try {
        (listeners[i] as MessageListener)(channel, bytes);
      } catch (error) {
        console.error("vehikill-net: a 'message' listener threw", error);
      }
    }
  }

  clear(): void {
    this.#generation++;
    this.#listeners = [];
  }
}
