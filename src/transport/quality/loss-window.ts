/**
 * Loss of one direction from sequence numbers: the sender reports how many datagrams it has sent so far
 * (its newest sequence number), the receiver knows how many it got; the share missing over the latest
 * reports is the loss. The window reaches back far enough to cover `minDatagrams` (so one lost keepalive
 * on an idle link does not read as 50 % loss), and no further than `maxReports`.
 *
 * A report counts as missing every datagram sent before it that has not arrived yet. On a path that
 * reorders (its delay varies by more than the gap between datagrams) some always arrive after it, and how
 * many varies from report to report: one window's figure read several per cent of loss where nothing was
 * lost. Such a datagram is missing at one report only: by the next it has arrived, inside that report's
 * window. So the loss is the smaller of the windows ending at the newest report and at the one before,
 * and every window spans at least two reports' intervals, so that the two overlap: a datagram really
 * lost is missing from both. Real loss shows one report later for it.
 */
export class LossWindow {
  readonly #marks: Array<{ sent: number; received: number }> = [];
  readonly #minDatagrams: number;
  readonly #maxReports: number;
  /** Datagrams excused so far: added to every received count, as if they had arrived. */
  #excused = 0;
  #excuseNext = false;

  constructor(minDatagrams: number, maxReports: number) {
    this.#minDatagrams = minDatagrams;
    this.#maxReports = maxReports;
  }

  /** Cumulative counts at a report: what the sender says it sent, what we received by then. */
  add(sent: number, received: number): void {
    const last = this.#marks.at(-1);
    // A sender that restarted its count (a new link under the same monitor): start over.
    if (last && sent < last.sent) this.reset();
    let counted = received + this.#excused;
    if (this.#excuseNext && last && sent >= last.sent) {
      const missing = sent - last.sent - (counted - last.received);
      if (missing > 0) {
        this.#excused += missing;
        counted += missing;
      }
    }
    this.#excuseNext = false;
    this.#marks.push({ sent, received: counted });
    if (this.#marks.length > this.#maxReports + 1) this.#marks.shift();
  }

  /**
   * Share lost, 0..1: the smaller of the windows ending at the newest report and at the one before (see
   * above), or the newest alone while the one before has no window; NaN while fewer than `minDatagrams`
   * were sent within the newest.
   */
  get ratio(): number {
    const newest = this.#windowEndingAt(this.#marks.length - 1);
    const before = this.#windowEndingAt(this.#marks.length - 2);
    return Number.isNaN(before) ? newest : Math.min(newest, before);
  }

  /**
   * The share missing over the shortest window ending at mark `end` of at least `minDatagrams` and two
   * intervals between reports; NaN: none.
   */
  #windowEndingAt(end: number): number {
    const last = this.#marks[end];
    if (!last) return Number.NaN;
    for (let i = end - 2; i >= 0; i--) {
      const older = this.#marks[i];
      if (!older) break;
      const sent = last.sent - older.sent;
      if (sent < this.#minDatagrams) continue;
      // Reordering around a report can make a window look better than perfect or worse than total.
      return Math.min(1, Math.max(0, 1 - (last.received - older.received) / sent));
    }
    return Number.NaN;
  }

  /**
   * What goes missing between the newest report and the next one is not counted: the path was down
   * (an outage), which is not the loss of the path the window measures.
   */
  excuseNextReport(): void {
    this.#excuseNext = true;
  }

  reset(): void {
    this.#marks.length = 0;
    this.#excused = 0;
    this.#excuseNext = false;
  }
}
