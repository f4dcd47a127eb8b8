import type { IncomingMessage, ServerResponse } from 'node:http';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { type Cancel, type Clock, every } from '../../common/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import { type RateRefusal, refusedSender } from '../address-rate.js';
import { answerError, answerNotFound } from '../http/json-answer.js';
import { answerTooLarge, readBody } from '../http/read-body.js';
import type { MetricsSink } from '../metrics.js';
import { addressBlock, remoteAddress } from '../remote-address.js';
import { AdminAuth, bearerMatches, presentsBearer } from './admin-auth.js';
import { AlertNotifier } from './alert-notifier.js';
import {
  type AlertEvent,
  type AlertRule,
  AlertRules,
  type DefaultAlertOptions,
  defaultAlertRules,
} from './alert-rules.js';
import { type AnalyticsOptions, AnonymousAnalytics } from './anonymous-analytics.js';
import { ClientErrors } from './client-errors.js';
import { DASHBOARD_FILES, type DashboardFile, loadDashboardAssets } from './dashboard-assets.js';
import { dashboardState, stateSeconds } from './dashboard-state.js';
import { END_SESSION_PATH, type EndSession, handleEndSessionRequest } from './end-session-endpoint.js';
import { FrameTally } from './frame-kinds.js';
import { HISTORY_SERIES, sampleSeries } from './history-series.js';
import { loginPage } from './login-page.js';
import { MetricsHistory } from './metrics-history.js';
import { MetricsTap } from './metrics-tap.js';
import { consumesServerStats, rendersPrometheus } from './prometheus-metrics.js';
import { onBeat } from './sample-beat.js';
import { ScrapeRate } from './scrape-rate.js';
import type { ServerStats } from './server-stats.js';
import { RenderTimeout, SharedExposition } from './shared-exposition.js';
import { TokenGuesses, type TokenVerdict } from './token-guesses.js';

export interface AlertOptions extends DefaultAlertOptions {
  /** Rules of your own, evaluated once a second over the history. */
  rules?: readonly AlertRule[];
  /** Also the built-in rules (tick over budget, packet loss, error spike). Default true. */
  defaults?: boolean;
  /** Called for every fired and cleared alert. */
  onAlert?: (event: AlertEvent) => void;
  /** Webhook calls slower than this (ms) are abandoned. Default 5,000. */
  webhookTimeoutMs?: number;
}

export interface MonitoringOptions {
  /** Where the Prometheus sink is served. Default '/metrics'. Only when the sink renders Prometheus text. */
  metricsPath?: string;
  /** Require `Authorization: Bearer <metricsToken>` on the metrics path. Default: open. */
  metricsToken?: string;
  /**
   * A render of the metrics not finished within this many ms is given up: the scrapes waiting for it are
   * answered 503 INTERNAL_ERROR and the next scrape renders afresh. Default 5,000.
   */
  metricsRenderTimeoutMs?: number;
  /** Where the history is saved (every `historySaveMs` and on close) and read at start. Default: not kept. */
  historyFile?: string;
  /**
   * With `historyFile`, the history is also saved this often (ms), so that a crash or a kill loses at most
   * this much of it. 0: only on close. Default 60,000.
   */
  historySaveMs?: number;
  /** Turns on /dashboard and /analytics, for this token (16+ characters). Default: both off (404). */
  adminToken?: string;
  /** POSTed each fired and cleared alert as JSON. */
  alertWebhookUrl?: string;
  alerts?: AlertOptions;
  /** Anonymous session statistics (at /analytics with the admin token). Default on; false turns it off. */
  analytics?: boolean | AnalyticsOptions;
  /** Folder of the built dashboard. Default: dist/dashboard of this package. */
  dashboardDir?: string;
}

const SAMPLE_MS = 1_000;
/** How often a dashboard bundle not found is looked for again (see `#asset`). */
const ASSETS_RETRY_MS = 1_000;

/**
 * The operator's side of a GameServer: the tap every metric passes through, the one-second history
 * and its alerts, the analytics, and the HTTP routes that show them (metrics, dashboard, analytics).
 */
export class ServerMonitoring {
  /** Give this to everything that reports metrics: it forwards to the app's sink. */
  readonly metrics: MetricsTap;
  /** Give this to everything that counts a client's errors: it counts them in `metrics` and notes by whom. */
  readonly clientErrors: ClientErrors;
  readonly alerts: AlertRules;
  readonly analytics: AnonymousAnalytics | undefined;
  readonly #sink: MetricsSink;
  readonly #clock: Clock;
  readonly #nodeId: string;
  readonly #options: MonitoringOptions;
  readonly #admin: AdminAuth | undefined;
  /** Wrong admin and metrics tokens by address: a guesser is slowed to a crawl. */
  readonly #guesses = new TokenGuesses();
  /** Scrapes of the metrics by address: one client looping on /metrics is refused, not sent it each time. */
  readonly #scrapes = new ScrapeRate();
  /** The metrics as served, when the sink renders Prometheus text: rendered at most once a second. */
  readonly #exposition: SharedExposition | undefined;
  readonly #notifier: AlertNotifier;
  readonly #secure: boolean;
  /** The server's `trustProxy`: how a request's source is found (see remoteAddress). */
  readonly #trustProxy: number;
  /** The server's `endSession`, for the dashboard's button (without it, END_SESSION_PATH serves nothing). */
  readonly #endSession: EndSession | undefined;
  #history: MetricsHistory;
  #stats: ServerStats | undefined;
  #lag: IntervalHistogram | undefined;
  #cancelSampling: Cancel | undefined;
  #cancelSaving: Cancel | undefined;
  /** The save under way, if any: saves never overlap, and close waits for it. */
  #saving: Promise<void> | undefined;
  #releaseStats: Cancel | undefined;
  #lastSample = 0;
  #assets: Promise<Map<DashboardFile, Buffer> | undefined> | undefined;
  /** When the dashboard's bundle was last looked for and not found (see `#asset`). */
  #assetsMissedAt = Number.NEGATIVE_INFINITY;
  /** Frames in and out by kind: tallied by the connections, flushed into the metrics here. */
  readonly frames = new FrameTally();

  constructor(input: {
    sink: MetricsSink;
    clock: Clock;
    nodeId: string;
    secure: boolean;
    trustProxy: number;
    options: MonitoringOptions;
    endSession?: EndSession;
  }) {
    const { options } = input;
    const token = options.metricsToken;
    // The header's token is read trimmed: an empty one, or one with spaces around it, would let in
    // anyone sending a bare `Bearer` or never match at all.
    if (token !== undefined && (token === '' || token.trim() !== token)) {
      throw new TypeError('metricsToken must be a non-empty token without spaces around it');
    }
    this.#sink = input.sink;
    this.#clock = input.clock;
    this.#nodeId = input.nodeId;
    this.#options = options;
    this.#secure = input.secure;
    this.#trustProxy = input.trustProxy;
    this.#endSession = input.endSession;
    if (options.metricsPath !== undefined && !options.metricsPath.startsWith('/')) {
      throw new TypeError(`GameServer option 'metricsPath' must start with '/'`);
    }
    const saveMs = options.historySaveMs;
    if (saveMs !== undefined && !(Number.isFinite(saveMs) && (saveMs === 0 || saveMs >= 1_000))) {
      throw new TypeError(`GameServer option 'historySaveMs' must be 0 (on close only) or at least 1,000`);
    }
    const renderTimeoutMs = options.metricsRenderTimeoutMs;
    if (renderTimeoutMs !== undefined && !(Number.isFinite(renderTimeoutMs) && renderTimeoutMs > 0)) {
      throw new TypeError(`GameServer option 'metricsRenderTimeoutMs' must be a finite number of ms above 0`);
    }
    this.metrics = new MetricsTap(input.sink);
    const sink = input.sink;
    this.#exposition = rendersPrometheus(sink)
      ? new SharedExposition(
          {
            get contentType() {
              return sink.contentType;
            },
            render: () => {
              this.frames.flushTo(this.metrics);
              return sink.render();
            },
          },
          {
            clock: input.clock,
            ...(renderTimeoutMs === undefined ? {} : { timeoutMs: renderTimeoutMs }),
            // Once per render, not per scrape it answers: a hundred scrapers of one broken render are one
            // fault of the server's (what the error-spike alert counts), logged once.
            onFailure: (error) => {
              this.metrics.count('internal_errors_total');
              console.error('vehikill-net: the metrics render failed', error);
            },
          },
        )
      : undefined;
    this.clientErrors = new ClientErrors(this.metrics);
    this.#admin = options.adminToken === undefined ? undefined : new AdminAuth(options.adminToken);
    const alertOptions = options.alerts ?? {};
    this.alerts = new AlertRules({
      rules: [
        ...(alertOptions.defaults === false ? [] : defaultAlertRules(alertOptions)),
        ...(alertOptions.rules ?? []),
      ],
    });
    this.#notifier = new AlertNotifier({
      nodeId: input.nodeId,
      ...(alertOptions.onAlert ? { onAlert: alertOptions.onAlert } : {}),
      ...(options.alertWebhookUrl ? { webhookUrl: options.alertWebhookUrl } : {}),
      ...(alertOptions.webhookTimeoutMs === undefined
        ? {}
        : { webhookTimeoutMs: alertOptions.webhookTimeoutMs }),
    });
    this.analytics =
      options.analytics === false
        ? undefined
        : new AnonymousAnalytics(typeof options.analytics === 'object' ? options.analytics : {});
    this.#history = new MetricsHistory({ series: HISTORY_SERIES });
  }

  get history(): MetricsHistory {
    return this.#history;
  }

  /** Reads the saved history and starts sampling once a second. */
  async start(stats: ServerStats): Promise<void> {
    if (this.#stats) return;
    this.#stats = stats;
    if (consumesServerStats(this.#sink)) this.#releaseStats = this.#sink.collectFrom(stats);
    if (this.#options.historyFile) {
      this.#history = await MetricsHistory.load(
        this.#options.historyFile,
        { series: HISTORY_SERIES },
        this.#clock.now(),
      );
    }
    this.#lag = monitorEventLoopDelay({ resolution: 20 });
    this.#lag.enable();
    this.#lastSample = this.#clock.now();
    this.#cancelSampling = onBeat(this.#clock, SAMPLE_MS, (at) => this.#sampleAt(at));
    const saveMs = this.#options.historySaveMs ?? 60_000;
    if (this.#options.historyFile && saveMs > 0) {
      this.#cancelSaving = every(this.#clock, saveMs, () => void this.#saveHistory());
    }
  }

  /** Saves a copy of the history (skipped while the last save is still under way); never throws. */
  #saveHistory(): Promise<void> {
    const path = this.#options.historyFile;
    if (path === undefined || this.#saving) return this.#saving ?? Promise.resolve();
    const saving = this.#history
      .copy()
      .save(path)
      .catch((error: unknown) => {
        console.warn(`vehikill-net: could not save the metrics history: ${String(error)}`);
      })
      .finally(() => {
        this.#saving = undefined;
      });
    this.#saving = saving;
    return saving;
  }

  /** Takes one point of every series and evaluates the alerts (runs once a second by itself). */
  sample(): void {
    this.#sampleAt(this.#clock.now());
  }

  /**
   * The point of the second `at` falls in: the sampling beat's time, not the timer's (see onBeat). Rates
   * are still taken over the time that really passed.
   */
  #sampleAt(at: number): void {
    this.frames.flushTo(this.metrics);
    const stats = this.#stats;
    if (!stats) return;
    const now = this.#clock.now();
    const lagMs = this.#lag && this.#lag.count > 0 ? this.#lag.percentile(99) / 1e6 : Number.NaN;
    this.#lag?.reset();
    const window = this.metrics.takeWindow();
    const sources = this.clientErrors.takeSources();
    // The same count for /metrics: rate() of it is the client part of error_sources_per_s.
    if (sources > 0) this.metrics.count('client_error_sources_total', undefined, sources);
    this.#history.record(at, sampleSeries(stats, window, now - this.#lastSample, lagMs, sources));
    this.#lastSample = now;
    for (const event of this.alerts.evaluate(this.#history, now)) this.#notifier.notify(event);
    this.analytics?.observe(stats.players(), now);
    this.#guesses.sweep(now);
    this.#scrapes.sweep(now);
  }

  /** Stops sampling and saves the history. */
  async close(): Promise<void> {
    this.#cancelSampling?.();
    this.#cancelSampling = undefined;
    this.#cancelSaving?.();
    this.#cancelSaving = undefined;
    this.#releaseStats?.();
    this.#lag?.disable();
    if (this.#options.historyFile && this.#stats) {
      // A periodic save under way holds an older copy: the last word is the history as it is now.
      await this.#saving;
      await this.#saveHistory();
    }
    await this.#notifier.settle();
  }

  /**
   * Whether `pathname` is a monitoring route that is on: the metrics when the sink renders them, the
   * dashboard's and analytics' when there is an admin token. An app sharing its server answers the rest.
   */
  serves(pathname: string): boolean {
    if (pathname === (this.#options.metricsPath ?? '/metrics') && this.#exposition) return true;
    return this.#admin !== undefined && isAdminPath(pathname);
  }

  /** Serves the monitoring routes; false when `pathname` is none of them. */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    const exposition = this.#exposition;
    if (pathname === (this.#options.metricsPath ?? '/metrics') && exposition) {
      const token = this.#options.metricsToken;
      if (token !== undefined) {
        const verdict = presentsBearer(req)
          ? this.#guesses.check(this.#source(req), this.#clock.now(), () => bearerMatches(req, token))
          : 'wrong';
        if (verdict !== 'right') return refuseToken(res, verdict, 'metrics need the bearer token');
      }
      const waitMs = this.#scrapes.take(this.#source(req), this.#clock.now());
      if (waitMs > 0) {
        answerError(
          res,
          429,
          ErrorCode.RATE_LIMITED,
          'too many scrapes from your address: wait and try again',
          {
            'retry-after': String(Math.ceil(waitMs / 1_000)),
            'cache-control': 'no-store',
          },
        );
        return true;
      }
      let body: Buffer;
      try {
        body = await exposition.body(this.#clock.now());
      } catch (error) {
        return refuseFailedRender(res, error);
      }
      res.writeHead(200, {
        'content-type': exposition.contentType,
        'content-length': body.length,
        'cache-control': 'no-store',
      });
      res.end(body);
      return true;
    }
    if (!isAdminPath(pathname)) return false;
    const admin = this.#admin;
    // Answered as a path with no route is: a dashboard that is off must not show that it is there.
    if (!admin) return notFound(res);
    if (pathname === '/analytics') {
      const verdict = this.#adminVerdict(req, admin);
      if (verdict !== 'right') return refuseToken(res, verdict, 'the admin token is required');
      if (!this.analytics)
        return refuse(res, 404, ErrorCode.INVALID_MESSAGE, 'analytics are turned off on this server');
      return json(res, this.analytics.report(this.#clock.now()));
    }
    if (pathname === '/dashboard/api/state') {
      const verdict = this.#adminVerdict(req, admin);
      if (verdict !== 'right') return refuseToken(res, verdict, 'the admin token is required');
      const seconds = stateSeconds(
        new URL(req.url ?? '/', 'http://x').searchParams.get('seconds'),
        this.#history.capacity,
      );
      if (seconds === undefined) {
        answerError(
          res,
          400,
          ErrorCode.INVALID_MESSAGE,
          'seconds must be a whole number of seconds, 1 or more',
        );
        return true;
      }
      const stats = this.#stats;
      if (!stats) return refuse(res, 503, ErrorCode.INTERNAL_ERROR, 'the server is not listening yet');
      return json(
        res,
        dashboardState({
          nodeId: this.#nodeId,
          now: this.#clock.now(),
          stats,
          history: this.#history,
          seconds,
          alerts: { active: this.alerts.active, past: this.alerts.past },
        }),
      );
    }
    if (pathname === END_SESSION_PATH && this.#endSession) {
      const verdict = this.#adminVerdict(req, admin);
      if (verdict !== 'right') return refuseToken(res, verdict, 'the admin token is required');
      await handleEndSessionRequest(req, res, this.#endSession);
      return true;
    }
    if (pathname === '/dashboard/login' && req.method === 'POST') {
      // Who sent it, for an oversized body: read now, as a socket cut off meanwhile forgets its peer.
      const source = addressBlock(remoteAddress(req, this.#trustProxy));
      let raw: Uint8Array;
      try {
        raw = await readBody(req, 4_096);
      } catch (error) {
        // Over the limit (answered, and the connection closed) or cut off (no one to answer). Bad input,
        // not a failure of the server: logging each would let anyone flood the log with stack traces.
        // Only the first is counted, under its code; a client going away sent nothing wrong.
        if (error instanceof ProtocolError && error.code === ErrorCode.MESSAGE_TOO_LARGE) {
          this.clientErrors.count('bad_input_total', { code: ErrorCode.MESSAGE_TOO_LARGE }, source);
          answerTooLarge(res, 4_096);
        } else res.destroy();
        return true;
      }
      const body = new URLSearchParams(Buffer.from(raw).toString('utf8'));
      return this.#login(req, res, admin, body.get('token') ?? undefined, source);
    }
    if (pathname === '/dashboard' || pathname === '/dashboard/') {
      const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
      if (token !== null) return this.#login(req, res, admin, token, this.#source(req));
      const verdict = this.#adminVerdict(req, admin);
      if (typeof verdict === 'object') return tooManyGuesses(res, verdict);
      if (verdict === 'wrong') return html(res, 401, loginPage(false));
      return this.#asset(res, 'index.html');
    }
    const file = pathname.slice('/dashboard/'.length);
    // The page's code and style hold nothing secret; only the page itself and the data need the token.
    // An own property only: `in` would take 'toString' or 'constructor' for files.
    if (Object.hasOwn(DASHBOARD_FILES, file) && file !== 'index.html')
      return this.#asset(res, file as DashboardFile);
    return notFound(res);
  }

  /** A right token sets the cookie and sends the browser to the clean URL (no token left in history). */
  #login(
    req: IncomingMessage,
    res: ServerResponse,
    admin: AdminAuth,
    token: string | undefined,
    source: string,
  ): boolean {
    const verdict = this.#guesses.check(source, this.#clock.now(), () => admin.matches(token));
    if (typeof verdict === 'object') return tooManyGuesses(res, verdict);
    if (verdict === 'wrong') return html(res, 401, loginPage(true));
    res.writeHead(303, {
      location: '/dashboard',
      // Its own socket's TLS too: an app's https.Server that the GameServer is attached to.
      'set-cookie': admin.loginCookie(this.#secure || isEncrypted(req) || this.#behindTls(req)),
      'cache-control': 'no-store',
    });
    res.end();
    return true;
  }

  /**
   * Whether `req` carries the admin credential. A bearer token is a guess that counts (see TokenGuesses);
   * the cookie is not: it is an HMAC of 256 bits no one guesses, and after a restart every open dashboard
   * presents a stale one each second, which would otherwise shut its own operator out.
   */
  #adminVerdict(req: IncomingMessage, admin: AdminAuth): TokenVerdict {
    if (!presentsBearer(req)) return admin.allows(req) ? 'right' : 'wrong';
    return this.#guesses.check(this.#source(req), this.#clock.now(), () => admin.allows(req));
  }

  /**
   * Whether the browser reached the proxies in front (`trustProxy`) over TLS, as their `X-Forwarded-Proto`
   * says: the login cookie is then Secure although this server speaks plain HTTP to them. A client that
   * forges the header only gets a cookie its own browser keeps off plain HTTP.
   */
  #behindTls(req: IncomingMessage): boolean {
    if (this.#trustProxy === 0) return false;
    const header = req.headers['x-forwarded-proto'];
    const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0];
    return first?.trim().toLowerCase() === 'https';
  }

  /** The address block a request comes from, as the server's rates count it (see remoteAddress). */
  #source(req: IncomingMessage): string {
    return addressBlock(remoteAddress(req, this.#trustProxy));
  }

  async #asset(res: ServerResponse, file: DashboardFile): Promise<boolean> {
    // Kept once found. Not found, it is looked for again (at most once a second, however many ask): the
    // refusal says to build it, and a build while the server runs must then be served without a restart.
    const now = this.#clock.now();
    if (this.#assets === undefined && now - this.#assetsMissedAt >= ASSETS_RETRY_MS) {
      const loading = loadDashboardAssets(this.#options.dashboardDir);
      this.#assets = loading;
      void loading.then((found) => {
        if (found !== undefined || this.#assets !== loading) return;
        this.#assets = undefined;
        this.#assetsMissedAt = this.#clock.now();
      });
    }
    const body = (await this.#assets)?.get(file);
    if (!body) {
      return refuse(
        res,
        503,
        ErrorCode.INTERNAL_ERROR,
        'the dashboard is not built: run node scripts/bundle-web.mjs',
      );
    }
    res.writeHead(200, {
      'content-type': DASHBOARD_FILES[file],
      'content-length': body.length,
      'cache-control': 'no-store',
    });
    res.end(body);
    return true;
  }
}

/** The routes behind the admin token: the analytics, the dashboard and everything under it. */
function isAdminPath(pathname: string): boolean {
  return pathname === '/analytics' || pathname === '/dashboard' || pathname.startsWith('/dashboard/');
}

/** Whether `req` came over TLS to this process (a TLSSocket says `encrypted`; a plain socket has no such field). */
function isEncrypted(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}

function notFound(res: ServerResponse): true {
  answerNotFound(res);
  return true;
}

/**
 * A refusal of a monitoring route of its own (turned off, not ready): JSON `{code, message}`, the shape of
 * every HTTP refusal of the server. INVALID_MESSAGE for what is not there to ask for (as a 404 always is),
 * INTERNAL_ERROR for what the server cannot give now through no fault of the asker.
 */
function refuse(res: ServerResponse, status: number, code: ErrorCode, message: string): true {
  answerError(res, status, code, message, { 'cache-control': 'no-store' });
  return true;
}

/**
 * 401 UNAUTHORIZED with `message` for a wrong or missing token, naming the scheme it takes (a 401 must,
 * RFC 9110 11.6.1); 429 RATE_LIMITED with Retry-After for an address guessing. As JSON `{code, message}`,
 * the shape of every HTTP refusal of the server: a script reading /analytics or the state tells a wrong
 * token from a wait by the code, as a game client does.
 */
function refuseToken(res: ServerResponse, verdict: 'wrong' | RateRefusal, message: string): true {
  if (verdict !== 'wrong') return tooManyGuesses(res, verdict);
  answerError(res, 401, ErrorCode.UNAUTHORIZED, message, {
    'www-authenticate': 'Bearer',
    'cache-control': 'no-store',
  });
  return true;
}

/**
 * A render that failed (500) or was given up (503): every scrape that waited for it is told so as JSON
 * `{code, message}`, the shape of every HTTP refusal of the server, and the next one renders afresh.
 */
function refuseFailedRender(res: ServerResponse, error: unknown): true {
  if (error instanceof RenderTimeout) {
    return refuse(res, 503, ErrorCode.INTERNAL_ERROR, `${error.message}: try again`);
  }
  return refuse(res, 500, ErrorCode.INTERNAL_ERROR, 'the metrics render failed: try again');
}

/** 429 for a guesser: its address, or its /48 or /32 (named when theirs is what is spent), must wait. */
function tooManyGuesses(res: ServerResponse, refusal: RateRefusal): true {
  answerError(
    res,
    429,
    ErrorCode.RATE_LIMITED,
    `too many wrong tokens from ${refusedSender(refusal)}: wait and try again`,
    { 'retry-after': String(Math.ceil(refusal.waitMs / 1_000)), 'cache-control': 'no-store' },
  );
  return true;
}

function json(res: ServerResponse, body: unknown): true {
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
  return true;
}

function html(res: ServerResponse, status: number, body: string): true {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
  return true;
}
