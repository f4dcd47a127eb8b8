/**
 * How long a server the client gave up on (`failoverAfterAttempts` failed attempts in a row) is taken as
 * down: longer than a dead node stays in the cluster's listing (`nodeTtlMs`, 6 s by default, until the
 * next heartbeat sweeps it), so that a redirect the listing still makes to it is not followed blindly.
 */
export const UNREACHABLE_MEMORY_MS = 10_000;

/**
 * Where a client connects: the server it talks to now and the entry points it may fail over to (its
 * `url`, then `fallbackUrls`, each once). A redirect or a drain can point it at any node (`moveTo`).
 *
 * Failover goes on from the entry point the client last came from: a redirect target is usually not in
 * the list as written (the cluster names its nodes by their PUBLIC_URL, the app lists entry points as it
 * reaches them), and going back to the first entry could be the dead node under another spelling. Servers
 * the client gave up on in the last {@link UNREACHABLE_MEMORY_MS} are passed over while another entry
 * point is left.
 */
export class EntryPoints {
  #current: string;
  readonly #entries: readonly string[];
  /** The index of the entry point the client last came from (a redirect keeps it). */
  #from = 0;
  /** When each server the client gave up on was given up on. */
  readonly #unreachable = new Map<string, number>();

  constructor(url: string | undefined, fallbackUrls: readonly string[] | undefined) {
    this.#current = url ?? pageUrl();
    this.#entries = [...new Set([this.#current, ...(fallbackUrls ?? [])])];
  }

  /** The server this connection talks to now. */
  get current(): string {
    return this.#current;
  }

  moveTo(url: string): void {
    this.#current = url;
    const index = this.#entries.indexOf(url);
    if (index >= 0) this.#from = index;
  }

  /** The client gave up on `url` at `now` (no answer after its attempts). */
  unreachable(url: string, now: number): void {
    this.#unreachable.set(url, now);
  }

  /** How much longer `url` counts as down (0: it does not), after the client gave up on it. */
  unreachableForMs(url: string, now: number): number {
    const at = this.#unreachable.get(url);
    if (at === undefined) return 0;
    const left = at + UNREACHABLE_MEMORY_MS - now;
    if (left > 0) return left;
    this.#unreachable.delete(url);
    return 0;
  }

  /**
   * The entry point to fail over to, if there is one other than the current server: the one after the
   * current server when that is an entry point, else after the one the client last came from; one given
   * up on lately is passed over while another is left.
   */
  next(now: number): string | undefined {
    const entries = this.#entries;
    const here = entries.indexOf(this.#current);
    const base = here >= 0 ? here : this.#from;
    const candidates: string[] = [];
    for (let step = 1; step <= entries.length; step++) {
      const entry = entries[(base + step) % entries.length] as string;
      if (entry !== this.#current) candidates.push(entry);
    }
    return candidates.find((entry) => this.unreachableForMs(entry, now) === 0) ?? candidates[0];
  }
}

/** In a browser: the page's own host, wss on https pages. */
function pageUrl(): string {
  const location = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (!location) throw new TypeError('pass { url } outside a browser page');
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}
