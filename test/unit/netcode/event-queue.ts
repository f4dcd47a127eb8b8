/**
 * A tiny discrete-event queue for netcode simulations: deliveries are scheduled at fractional ms and run
 * in time order (ties in scheduling order) when the simulation advances past them.
 */
export class EventQueue {
  #events: { at: number; seq: number; run: () => void }[] = [];
  #seq = 0;

  at(time: number, run: () => void): void {
    this.#events.push({ at: time, seq: this.#seq++, run });
  }

  /** Runs every event due at or before `time`, in order. */
  runUntil(time: number): void {
    for (;;) {
      let best = -1;
      for (let index = 0; index < this.#events.length; index++) {
        const event = this.#events[index]!;
        if (event.at > time) continue;
        const current = this.#events[best];
        if (
          current === undefined ||
          event.at < current.at ||
          (event.at === current.at && event.seq < current.seq)
        ) {
          best = index;
        }
      }
      if (best < 0) return;
      const [event] = this.#events.splice(best, 1);
      event!.run();
    }
  }
}
