import type { Cancel, Clock } from '../../common/index.js';

/** Refusals of one kind from one peer after the first are gathered this long into one report (ms). */
export const REFUSAL_REPORT_MS = 250;

export interface RefusalReport<Reason extends string> {
  from: string;
  reason: Reason;
  /** The refusals this report stands for: 1 for the first, then how many came in the window since. */
  count: number;
}

interface Window {
  count: number;
  cancel: Cancel;
}

/**
 * A peer's refused messages, reported at most once per REFUSAL_REPORT_MS for each peer and reason: the
 * first at once, those that follow counted into one report at the end of its window (and the next window
 * opened while they keep coming). A flooding peer's tens of thousands of refusals a second were as many
 * events, and an app that logs or draws each one paid for the flood many times over.
 */
export class RefusalReports<Reason extends string> {
  readonly #clock: Clock;
  readonly #report: (report: RefusalReport<Reason>) => void;
  /** Open windows by peer, then reason. */
  readonly #open = new Map<string, Map<Reason, Window>>();

  constructor(clock: Clock, report: (report: RefusalReport<Reason>) => void) {
    this.#clock = clock;
    this.#report = report;
  }

  refused(from: string, reason: Reason): void {
    const open = this.#open.get(from)?.get(reason);
    if (open !== undefined) {
      open.count++;
      return;
    }
    this.#openWindow(from, reason);
    this.#report({ from, reason, count: 1 });
  }

  /** The peer left: what its windows gathered is reported now, and they close. */
  forget(from: string): void {
    const byReason = this.#open.get(from);
    if (byReason === undefined) return;
    this.#open.delete(from);
    for (const [reason, window] of byReason) {
      window.cancel();
      if (window.count > 0) this.#report({ from, reason, count: window.count });
    }
  }

  /** Closes every window without reporting (the mesh is closed: no one listens). */
  close(): void {
    for (const byReason of this.#open.values()) for (const window of byReason.values()) window.cancel();
    this.#open.clear();
  }

  #openWindow(from: string, reason: Reason): void {
    let byReason = this.#open.get(from);
    if (byReason === undefined) {
      byReason = new Map();
      this.#open.set(from, byReason);
    }
    const window: Window = { count: 0, cancel: () => {} };
    window.cancel = this.#clock.setTimeout(() => this.#closeWindow(from, reason, window), REFUSAL_REPORT_MS);
    byReason.set(reason, window);
  }

  #closeWindow(from: string, reason: Reason, window: Window): void {
    const byReason = this.#open.get(from);
    if (byReason?.get(reason) !== window) return;
    byReason.delete(reason);
    if (byReason.size === 0) this.#open.delete(from);
    if (window.count === 0) return;
    // Still coming: the next window gathers what follows, so a flood is reported every window.
    this.#openWindow(from, reason);
    this.#report({ from, reason, count: window.count });
  }
}
