/**
 * Where a client connects: the server it talks to now and the entry points it may fail over to (its
 * `url`, then `fallbackUrls`, each once). A redirect or a drain can point it at any node (`moveTo`).
 */
export class EntryPoints {
  #current: string;
  readonly #entries: readonly string[];

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
  }

  /** The entry point after the current server, if there is one that is not the current server. */
  next(): string | undefined {
    const entries = this.#entries;
    const index = entries.indexOf(this.#current);
    const next = entries[(index + 1) % entries.length];
    return next === this.#current ? undefined : next;
  }
}

/** In a browser: the page's own host, wss on https pages. */
function pageUrl(): string {
  const location = (globalThis as { location?: { protocol: string; host: string } }).location;
  if (!location) throw new TypeError('pass { url } outside a browser page');
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}
