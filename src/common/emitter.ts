/** Removes the listener it came from. */
export type Disposer = () => void;

type Listener<T> = (payload: T) => void;

/**
 * A small typed event emitter that runs in Node and browsers. Every subscription returns its disposer.
 * A throwing listener is reported and does not stop the other listeners or the caller's stream.
 */
export class Emitter<Events extends object> {
  #listeners = new Map<keyof Events, Set<Listener<never>>>();

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): Disposer {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => {
      set.delete(listener as Listener<never>);
    };
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): Disposer {
    const dispose = this.on(event, (payload) => {
      dispose();
      listener(payload);
    });
    return dispose;
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[E]>)(payload);
      } catch (error) {
        console.error(`vehikill-net: a '${String(event)}' listener threw`, error);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  removeAll(): void {
    this.#listeners.clear();
  }
}
