import { afterEach, describe, expect, it, vi } from 'vitest';
import { onPageShownAfterAway, PAGE_AWAY_MS } from '../../../src/client/page-shown.js';
import { ManualClock } from '../../../src/common/index.js';

/** A document whose visibility the test sets, firing `visibilitychange` as a browser does. */
class FakeDocument extends EventTarget {
  hidden = false;

  set(hidden: boolean): void {
    this.hidden = hidden;
    this.dispatchEvent(new Event('visibilitychange'));
  }
}

describe('onPageShownAfterAway', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('calls back when the page is shown after 5 s or more hidden, not after a shorter absence', () => {
    const document = new FakeDocument();
    vi.stubGlobal('document', document);
    const clock = new ManualClock();
    let calls = 0;
    const stop = onPageShownAfterAway(clock, () => calls++);
    document.set(true);
    clock.advance(PAGE_AWAY_MS - 1);
    document.set(false);
    expect(calls).toBe(0);
    document.set(true);
    clock.advance(PAGE_AWAY_MS);
    document.set(true); // a second 'hidden' (the page frozen, then resumed hidden) keeps the first time
    document.set(false);
    expect(calls).toBe(1);
    stop();
    document.set(true);
    clock.advance(60_000);
    document.set(false);
    expect(calls).toBe(1);
  });

  it('counts from when it started for a page hidden already', () => {
    const document = new FakeDocument();
    document.hidden = true;
    vi.stubGlobal('document', document);
    const clock = new ManualClock();
    let calls = 0;
    onPageShownAfterAway(clock, () => calls++);
    clock.advance(PAGE_AWAY_MS);
    document.set(false);
    expect(calls).toBe(1);
  });

  it('does nothing where there is no document (Node)', () => {
    expect(() => onPageShownAfterAway(new ManualClock(), () => {})()).not.toThrow();
  });
});
