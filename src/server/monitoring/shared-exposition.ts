import type { PrometheusRenderer } from './prometheus-metrics.js';

/**
 * How long (ms) a rendered exposition is served again: every scrape within a second of a render, from any
 * address, gets that render. Prometheus scrapes every 15 s by default, every second at the most eager: it
 * always gets a render made for it or less than a second before it asked.
 */
export const EXPOSITION_MAX_AGE_MS = 1_000;

interface Render {
  /** When it began: its age is counted from there, so what it read of the server is never older. */
  readonly at: number;
  readonly body: Promise<Buffer>;
  settled: boolean;
}

/**
 * The metrics exposition, rendered at most once a second for the whole node and shared by every scrape
 * meanwhile. A render reads every metric family and label set in one turn of the event loop (20-30 ms
 * for a node with thousands of series, that long without a tick): bounded per address only, a holder
 * of many /64s or IPv4 addresses could have it rendered as often as it liked. A scrape that comes while
 * a render is under way waits for that one; one within `EXPOSITION_MAX_AGE_MS` of its start gets its
 * body; after that, a new render. A failed render is shared the same way (the bound holds whatever a
 * render comes to), and never replaces a body with an older one. The body is encoded once, not per scrape.
 */
export class SharedExposition {
  readonly #renderer: PrometheusRenderer;
  #last: Render | undefined;

  /** `renderer` renders the exposition: the sink's, with whatever must be counted in before it. */
  constructor(renderer: PrometheusRenderer) {
    this.#renderer = renderer;
  }

  get contentType(): string {
    return this.#renderer.contentType;
  }

  /** The exposition a scrape at `now` gets: the render under way, the last one if recent, or a new one. */
  body(now: number): Promise<Buffer> {
    const last = this.#last;
    // A clock that went back (a step, a manual one) makes the last render's age unknown: rendered again.
    if (last && (!last.settled || (now >= last.at && now - last.at < EXPOSITION_MAX_AGE_MS))) {
      return last.body;
    }
    const render: Render = { at: now, body: this.#render(), settled: false };
    const settle = () => {
      render.settled = true;
    };
    render.body.then(settle, settle);
    this.#last = render;
    return render.body;
  }

  /** A renderer that throws rather than rejecting is a failed render all the same. */
  async #render(): Promise<Buffer> {
    return Buffer.from(await this.#renderer.render(), 'utf8');
  }
}
