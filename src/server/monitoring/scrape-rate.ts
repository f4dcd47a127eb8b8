import { AddressRate } from '../address-rate.js';

/** Scrapes one address may make at once: a few jobs, and an operator's curl, together. */
const SCRAPE_BURST = 10;
/** Then two a second: a Prometheus job scraping every second, twice over, never waits. */
const SCRAPES_PER_SECOND = 2;

/**
 * Bounds how often one address (an address block, see `addressBlock`) is served the metrics. Renders are
 * bounded node-wide (SharedExposition: one a second at most, whoever asks); this bounds what remains per
 * scrape, an answer carrying the whole exposition (25 KB for one game's node, 500 KB with thousands of
 * series), so that one client looping on `/metrics`, open unless `metricsToken` is set, is refused
 * rather than sent it again and again. Memory is bounded as AddressRate's is.
 */
export class ScrapeRate {
  readonly #rate = new AddressRate({ burst: SCRAPE_BURST, perSecond: SCRAPES_PER_SECOND });

  /** Takes a scrape for `source`: 0 when it may render now, else ms until it may. */
  take(source: string, now: number): number {
    return this.#rate.take(source, now);
  }

  /** Forgets the addresses whose count has run down. */
  sweep(now: number): void {
    this.#rate.sweep(now);
  }
}
