import type { AlertEvent } from './alert-rules.js';

export interface AlertNotifierOptions {
  /** Called for every fired and cleared alert. A throw is logged, never passed on. */
  onAlert?: (event: AlertEvent) => void;
  /** POSTed `{ type, alert, nodeId }` as JSON for every event. */
  webhookUrl?: string;
  /** A webhook call slower than this (ms) is abandoned. Default 5,000. */
  webhookTimeoutMs?: number;
  nodeId: string;
}

/**
 * Tells people about alerts: the log, the app's hook, and a webhook. Nothing here may disturb the
 * server: a slow or failing webhook is timed out and logged, and the next alert tries again.
 */
export class AlertNotifier {
  readonly #options: AlertNotifierOptions;
  readonly #inFlight = new Set<Promise<void>>();
  /** The webhook's URL without credentials, and their Authorization header (see webhookTarget). */
  readonly #webhook: { url: string; headers: Record<string, string> } | undefined;

  constructor(options: AlertNotifierOptions) {
    if (options.webhookUrl !== undefined) {
      const url = new URL(options.webhookUrl); // throws at once on a malformed URL: a configuration error
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new TypeError(`alertWebhookUrl must be http(s), got ${url.protocol}`);
      }
      this.#webhook = webhookTarget(url);
    }
    const timeoutMs = options.webhookTimeoutMs;
    // AbortSignal.timeout takes whole ms up to 2^32 - 1 and throws on anything else: every webhook call
    // would then fail, seen only in a log line at the first alert. 0 would abort every call at once.
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs < 2 ** 32)) {
      throw new TypeError(
        `alerts.webhookTimeoutMs must be a whole number of ms, 1 or more, got ${timeoutMs}`,
      );
    }
    this.#options = options;
  }

  notify(event: AlertEvent): void {
    const { alert } = event;
    if (event.type === 'fired') console.warn(`vehikill-net: ALERT ${alert.rule} fired: ${alert.message}`);
    else console.warn(`vehikill-net: alert ${alert.rule} cleared`);
    try {
      this.#options.onAlert?.(event);
    } catch (error) {
      console.error('vehikill-net: the onAlert hook threw', error);
    }
    if (this.#webhook) {
      const call = this.#post(this.#webhook, event);
      this.#inFlight.add(call);
      void call.finally(() => this.#inFlight.delete(call));
    }
  }

  /** Resolves once the webhook calls under way have ended (each is bounded by its timeout). */
  async settle(): Promise<void> {
    await Promise.all([...this.#inFlight]);
  }

  async #post(webhook: { url: string; headers: Record<string, string> }, event: AlertEvent): Promise<void> {
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...webhook.headers },
        body: JSON.stringify({ ...event, nodeId: this.#options.nodeId }),
        signal: AbortSignal.timeout(this.#options.webhookTimeoutMs ?? 5_000),
      });
      await response.body?.cancel();
      if (!response.ok) console.warn(`vehikill-net: alert webhook answered ${response.status}`);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      console.warn(`vehikill-net: alert webhook failed: ${why}`);
    }
  }
}

/**
 * Where to POST, and how to sign in: `user:password@` in the URL becomes Basic authorization, as a
 * browser or curl would send it. fetch refuses a URL with credentials, so every alert failed, and the
 * error it logged quoted the URL, password and all.
 */
function webhookTarget(url: URL): { url: string; headers: Record<string, string> } {
  if (url.username === '' && url.password === '') return { url: url.href, headers: {} };
  let credentials: string;
  try {
    credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  } catch {
    throw new TypeError('alertWebhookUrl has a malformed %-escape in its user or password');
  }
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return {
    url: bare.href,
    headers: { authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` },
  };
}
