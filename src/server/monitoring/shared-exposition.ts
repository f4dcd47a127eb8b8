import type { Clock } from '../../common/index.js';
import type { PrometheusRenderer } from './prometheus-metrics.js';

/**
 * How long (ms) a rendered exposition is served again: every scrape within a second of a render, from any
 * address, gets that render. Prometheus scrapes every 15 s by default, every second at the most eager: it
 * always gets a render made for it or less than a second before it asked.
 */
export const EXPOSITION_MAX_AGE_MS = 1_000;

/**
 * How long (ms) a render may take by default before it is given up (`metricsRenderTimeoutMs`). A render
 * takes milliseconds (30 for thousands of series); half of Prometheus's default scrape timeout (10 s)
 * leaves the scraper time to read the refusal rather than give up on its own first.
 */
export const DEFAULT_RENDER_TIMEOUT_MS = 5_000;

/** Why a render was given up: it did not finish within its time. */
export class RenderTimeout extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`the metrics render did not finish within ${timeoutMs.toLocaleString('en-US')} ms`);
    this.name = 'RenderTimeout';
    this.timeoutMs = timeoutMs;
  }
}

export interface SharedExpositionOptions {
  /** Times each render's deadline. */
  clock: Clock;
  /** A render not finished within this many ms (finite, above 0) is given up (`RenderTimeout`). */
  timeoutMs?: number;
  /** Told once per render that failed or was given up, however many scrapes it answers. */
  onFailure?: (error: unknown) => void;
}

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
 *
 * A render that never finishes (a custom renderer waiting on something that never answers) would hold
 * every scrape after it for good, as they all wait for the one under way: each render has `timeoutMs`,
 * past which it fails with `RenderTimeout` for all who wait, and the next scrape renders afresh. What the
 * given-up render comes to later is dropped.
 */
export class SharedExposition {
  readonly #renderer: PrometheusRenderer;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #onFailure: (error: unknown) => void;
  #last: Render | undefined;

  /** `renderer` renders the exposition: the sink's, with whatever must be counted in before it. */
  constructor(renderer: PrometheusRenderer, options: SharedExpositionOptions) {
    this.#renderer = renderer;
    this.#clock = options.clock;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_RENDER_TIMEOUT_MS;
    this.#onFailure = options.onFailure ?? (() => {});
  }

  get contentType(): string {
    return this.#renderer.contentType;
  }

  /**
   * The exposition a scrape at `now` gets: the render under way, the last one if recent, or a new one.
   * Rejects when that render failed (with what it threw) or was given up (`RenderTimeout`).
   */
  body(now: number): Promise<Buffer> {
    const last = this.#last;
    // A clock that went back (a step, a manual one) makes the last render's age unknown: rendered again.
    if (last && (!last.settled || (now >= last.at && now - last.at < EXPOSITION_MAX_AGE_MS))) {
      return last.body;
    }
    const render: Render = { at: now, body: this.#renderWithin(), settled: false };
    render.body.then(
      () => {
        render.settled = true;
      },
      (error: unknown) => {
        render.settled = true;
        this.#onFailure(error);
      },
    );
    this.#last = render;
    return render.body;
  }

  /** One render, failed if it takes longer than `timeoutMs`: whichever comes first settles it. */
  #renderWithin(): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const cancel = this.#clock.setTimeout(
        () => reject(new RenderTimeout(this.#timeoutMs)),
        this.#timeoutMs,
      );
      this.#render().then(
        (body) => {
          cancel();
          resolve(body);
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
    });
  }

  /** A renderer that throws rather than rejecting is a failed render all the same. */
  async #render(): Promise<Buffer> {
    return Buffer.from(await this.#renderer.render(), 'utf8');
  }
}
