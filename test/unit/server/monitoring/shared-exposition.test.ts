import { ManualClock, PrometheusMetrics } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import type { PrometheusRenderer } from '../../../../src/server/monitoring/prometheus-metrics.js';
import {
  DEFAULT_RENDER_TIMEOUT_MS,
  RenderTimeout,
  SharedExposition,
} from '../../../../src/server/monitoring/shared-exposition.js';

/** An exposition on a clock of its own, for tests that give `body` their times themselves. */
const shared = (renderer: PrometheusRenderer) => new SharedExposition(renderer, { clock: new ManualClock() });

/** A renderer whose renders are counted, each numbered in its text, and finished when the test says. */
function slowRenderer() {
  const pending: Array<{ number: number; resolve: (text: string) => void; reject: (error: Error) => void }> =
    [];
  let renders = 0;
  return {
    renderer: {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      render: () => {
        const number = ++renders;
        return new Promise<string>((resolve, reject) => pending.push({ number, resolve, reject }));
      },
    },
    get renders() {
      return renders;
    },
    /** Finishes the oldest render under way with its number in the text. */
    finish() {
      const oldest = pending.shift();
      oldest?.resolve(`render ${oldest.number}\n`);
    },
    fail(error: Error) {
      pending.shift()?.reject(error);
    },
  };
}

/** A renderer that finishes at once, its text numbered by render. */
function countingRenderer() {
  let renders = 0;
  return {
    renderer: {
      contentType: 'text/plain',
      render: async () => `render ${++renders}\n`,
    },
    get renders() {
      return renders;
    },
  };
}

const text = async (body: Promise<Buffer>) => (await body).toString('utf8');

describe('SharedExposition', () => {
  it('serves the render of the last second again, then renders afresh', async () => {
    const counting = countingRenderer();
    const exposition = shared(counting.renderer);
    const start = 1_700_000_000_000;
    expect(await text(exposition.body(start))).toBe('render 1\n');
    expect(await text(exposition.body(start + 500))).toBe('render 1\n');
    expect(await text(exposition.body(start + 999))).toBe('render 1\n');
    expect(counting.renders).toBe(1);
    // A second after the render began: what it read may be a second old, so it is read again.
    expect(await text(exposition.body(start + 1_000))).toBe('render 2\n');
    expect(await text(exposition.body(start + 1_500))).toBe('render 2\n');
    // Prometheus every 15 s gets a render of its own each time.
    expect(await text(exposition.body(start + 16_000))).toBe('render 3\n');
    expect(await text(exposition.body(start + 31_000))).toBe('render 4\n');
    expect(counting.renders).toBe(4);
  });

  it('gives the scrapes that come while a render is under way that render', async () => {
    const slow = slowRenderer();
    const exposition = shared(slow.renderer);
    const first = exposition.body(0);
    const second = exposition.body(10);
    // Even past the max age: starting another while one runs would let slow renders pile up.
    const late = exposition.body(5_000);
    expect(slow.renders).toBe(1);
    slow.finish();
    expect(await text(first)).toBe('render 1\n');
    expect(await text(second)).toBe('render 1\n');
    expect(await text(late)).toBe('render 1\n');
    // Finished, and its second is over: the next scrape has a render of its own.
    const next = exposition.body(5_000);
    expect(slow.renders).toBe(2);
    slow.finish();
    expect(await text(next)).toBe('render 2\n');
  });

  it('shares a failed render too, and renders again after the second', async () => {
    const slow = slowRenderer();
    const exposition = shared(slow.renderer);
    const first = exposition.body(0);
    const second = exposition.body(0);
    slow.fail(new Error('collect failed'));
    await expect(first).rejects.toThrow('collect failed');
    await expect(second).rejects.toThrow('collect failed');
    // A render that fails costs what one that succeeds does: within its second, no new one.
    await expect(exposition.body(999)).rejects.toThrow('collect failed');
    expect(slow.renders).toBe(1);
    const retry = exposition.body(1_000);
    slow.finish();
    expect(await text(retry)).toBe('render 2\n');
  });

  it('takes a renderer that throws as a failed render, not a throw out of the scrape', async () => {
    const exposition = shared({
      contentType: 'text/plain',
      render: () => {
        throw new Error('not ready');
      },
    });
    const body = exposition.body(0);
    expect(body).toBeInstanceOf(Promise);
    await expect(body).rejects.toThrow('not ready');
  });

  it('renders again when the clock went back: the last render is of unknown age', async () => {
    const counting = countingRenderer();
    const exposition = shared(counting.renderer);
    expect(await text(exposition.body(10_000))).toBe('render 1\n');
    expect(await text(exposition.body(9_000))).toBe('render 2\n');
    expect(await text(exposition.body(9_500))).toBe('render 2\n');
  });

  it("serves the sink's exposition and content type as they are", async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.count('messages_in_total', { kind: 'hello' }, 3);
    metrics.observe('tick_duration_ms', 7, { room_type: 'arena' });
    const exposition = shared(metrics);
    expect(exposition.contentType).toBe(metrics.contentType);
    expect(await text(exposition.body(0))).toBe(await metrics.render());
  });
});

describe('SharedExposition, a render that does not finish', () => {
  it('is given up after its timeout: every scrape waiting is refused, and the next one renders afresh', async () => {
    const clock = new ManualClock(0);
    const slow = slowRenderer();
    const failures: unknown[] = [];
    const exposition = new SharedExposition(slow.renderer, {
      clock,
      onFailure: (error) => failures.push(error),
    });
    const first = exposition.body(clock.now());
    clock.advance(4_000);
    const second = exposition.body(clock.now());
    expect(slow.renders).toBe(1);
    clock.advance(DEFAULT_RENDER_TIMEOUT_MS - 4_000);
    await expect(first).rejects.toBeInstanceOf(RenderTimeout);
    await expect(second).rejects.toThrow('the metrics render did not finish within 5,000 ms');
    // Told once for the render, not once per scrape that waited for it.
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(RenderTimeout);

    const next = exposition.body(clock.now());
    expect(slow.renders).toBe(2);
    // The given-up render finishing late is served to no one: its scrapes were answered, and it is older.
    slow.finish();
    slow.finish();
    expect(await text(next)).toBe('render 2\n');
    expect(await text(exposition.body(clock.now() + 500))).toBe('render 2\n');
    expect(slow.renders).toBe(2);
  });

  it('takes the timeout it is given, and leaves no timer behind a render that finished in time', async () => {
    const clock = new ManualClock(0);
    const slow = slowRenderer();
    const exposition = new SharedExposition(slow.renderer, { clock, timeoutMs: 250 });
    const hung = exposition.body(clock.now());
    clock.advance(249);
    let given = false;
    hung.catch(() => {
      given = true;
    });
    await Promise.resolve();
    expect(given).toBe(false);
    clock.advance(1);
    await expect(hung).rejects.toThrow('within 250 ms');
    // Within the second of its start a given-up render is shared as a failed one is (never as a body);
    // after it, a new render.
    await expect(exposition.body(999)).rejects.toBeInstanceOf(RenderTimeout);
    expect(slow.renders).toBe(1);
    clock.advance(750);
    const fresh = exposition.body(clock.now());
    slow.finish(); // the hung one, late
    slow.finish();
    expect(await text(fresh)).toBe('render 2\n');
    expect(clock.pendingTimers).toBe(0);
  });
});
