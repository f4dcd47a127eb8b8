import { PrometheusMetrics } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { SharedExposition } from '../../../../src/server/monitoring/shared-exposition.js';

/** A renderer whose renders are counted, each numbered in its text, and finished when the test says. */
function slowRenderer() {
  const pending: Array<{ resolve: (text: string) => void; reject: (error: Error) => void }> = [];
  let renders = 0;
  return {
    renderer: {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      render: () => {
        renders++;
        return new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
      },
    },
    get renders() {
      return renders;
    },
    /** Finishes the oldest render under way with its number in the text. */
    finish() {
      pending.shift()?.resolve(`render ${renders}\n`);
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
    const exposition = new SharedExposition(counting.renderer);
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
    const exposition = new SharedExposition(slow.renderer);
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
    const exposition = new SharedExposition(slow.renderer);
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
    const exposition = new SharedExposition({
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
    const exposition = new SharedExposition(counting.renderer);
    expect(await text(exposition.body(10_000))).toBe('render 1\n');
    expect(await text(exposition.body(9_000))).toBe('render 2\n');
    expect(await text(exposition.body(9_500))).toBe('render 2\n');
  });

  it("serves the sink's exposition and content type as they are", async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.count('messages_in_total', { kind: 'hello' }, 3);
    metrics.observe('tick_duration_ms', 7, { room_type: 'arena' });
    const exposition = new SharedExposition(metrics);
    expect(exposition.contentType).toBe(metrics.contentType);
    expect(await text(exposition.body(0))).toBe(await metrics.render());
  });
});
