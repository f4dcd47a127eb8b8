/** Removes the listener it came from. */
export type Disposer = () => void;

type Listener<T> = (payload: T) => void;

/**
 * A small typed event emitter that runs in Node and browsers. Every subscription returns its disposer.
 * A throwing listener is reported and does not stop the other listeners or the caller's stream.
 *
 * Within one emit, a listener removed by an earlier one is not called (an app that unsubscribes, or
 * disposes the object it listens to, expects no more calls), and one added is first called by the next emit.
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
      if (!set.has(listener)) continue;
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
    // Emptied, not only forgotten: an emit under way checks the sets it is walking.
    for (const set of this.#listeners.values()) set.clear();
    this.#listeners.clear();
  }
}
