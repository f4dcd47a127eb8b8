import type { Client, Disposer, LinkQuality, QualityGrade } from 'vehikill-net/client';
import { setText } from '../dom.js';
import { ui } from '../ui.js';
import {
  clearBanner,
  hasStandingBanner,
  restateStandingBanner,
  setStandingBanner,
  showBanner,
} from './banner.js';
import {
  disconnectedText,
  leavingServerText,
  lostSeatText,
  movedText,
  reconnectingText,
  type SeatLoss,
  shutdownText,
} from './connection-text.js';

const BARS: Record<QualityGrade, number> = { good: 3, fair: 2, poor: 1 };
const REFRESH_MS = 1_000;

/** What a quality reading says in a few words: the number that made it worse than good. */
export function qualityProblem(quality: LinkQuality): string {
  // Silent: the other figures are from before it, and the silence is what the player feels.
  if (quality.silent) return `nothing from the server for ${(quality.silentMs / 1000).toFixed(1)} s`;
  const parts = [`${Math.round(quality.rttMs)} ms ping`];
  if (quality.jitterMs >= 20) parts.push(`${Math.round(quality.jitterMs)} ms jitter`);
  const loss = Math.max(quality.lossUp || 0, quality.lossDown || 0);
  if (loss >= 0.02) parts.push(`${Math.round(loss * 100)}% loss`);
  return parts.join(', ');
}

/**
 * The header's connection indicator, honest about the link to the server: bars from the quality grade
 * (3 good, 2 fair, 1 poor, 0 down) and the ping, a warning when the grade drops, and clear messages
 * while reconnecting (with a running count of seconds, and whether the seat is still held) and after
 * (resumed, a new session, the seat lost), and while the server drains or shuts down.
 */
export function watchConnection(client: Client): Disposer {
  let downSince: number | undefined;
  /** The server said our session was gone during this outage (and why): the new session has no seat. */
  let seatLost: SeatLoss | undefined;
  /** When the server said it closes (`performance.now()`), from its shutdown notice: counted down. */
  let shutdownAt: number | undefined;

  const countDownShutdown = () => {
    if (shutdownAt === undefined) return;
    const secondsLeft = Math.max(0, Math.ceil((shutdownAt - performance.now()) / 1000));
    restateStandingBanner({ text: shutdownText(secondsLeft), tone: 'warn' });
  };

  const render = () => {
    const state = client.state;
    ui.connection.dataset.state = state;
    if (state === 'open') {
      const quality = client.quality.snapshot();
      const grade = client.quality.grade;
      const ping = Number.isFinite(quality.rttMs) ? quality.rttMs : client.rttMs;
      ui.connection.dataset.grade = grade;
      ui.connectionBars.dataset.bars = String(BARS[grade]);
      const path = client.serverLink.path === 'direct' ? 'UDP' : 'TCP';
      setText(ui.connectionText, `${Math.round(ping)} ms · ${path}`);
      ui.connection.title = `Connection ${grade}: ${qualityProblem({ ...quality, rttMs: ping })}. Inputs and snapshots go over ${path === 'UDP' ? 'a direct datagram link' : 'the WebSocket'}.`;
    } else {
      ui.connection.dataset.grade = '';
      ui.connectionBars.dataset.bars = '0';
      // Whole seconds gone by, rounded down: rounded to the nearest, the banner said the player had been
      // away longer than the server holds a seat half a second before that was so.
      const seconds = downSince === undefined ? 0 : Math.floor((performance.now() - downSince) / 1000);
      setText(ui.connectionText, state === 'reconnecting' ? `reconnecting · ${seconds} s` : state);
      if (state === 'reconnecting') showBanner(reconnectingText(seconds, client.graceMs, seatLost), 'bad');
    }
  };

  const timer = setInterval(() => {
    render();
    countDownShutdown();
  }, REFRESH_MS);
  const disposers: Disposer[] = [
    () => clearInterval(timer),
    client.on('state', render),
    client.serverLink.onState(render),
    client.quality.on('change', ({ grade, previous, quality }) => {
      render();
      // Neither goes over a standing notice (a lost seat, a drain): the bars and their tooltip say how the
      // link is, and the notice is what the player needs to read (a passing warning hid a lost seat for
      // its 6 s).
      if (hasStandingBanner()) return;
      if (BARS[grade] < BARS[previous]) {
        showBanner(`Connection ${grade}: ${qualityProblem(quality)}. Expect some lag.`, 'warn', 6_000);
      } else if (grade === 'good') {
        showBanner('Connection good again.', 'good', 3_000);
      }
    }),
    client.on('drop', () => {
      downSince = performance.now();
      render();
    }),
    client.on('reconnect', ({ resumed, attempts, downtimeMs }) => {
      downSince = undefined;
      if (seatLost !== undefined) {
        // A new session after an expiry: the standing lost-seat notice says what matters.
        seatLost = undefined;
        clearBanner();
        render();
        return;
      }
      const after = `after ${(downtimeMs / 1000).toFixed(1)} s (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'})`;
      showBanner(
        resumed ? `Reconnected ${after}: nothing was lost.` : `Reconnected ${after} with a new session.`,
        'good',
        5_000,
      );
      render();
    }),
    // Its message is not shown ("this server never had that session ..." is for developers, and may be
    // the bare code): its reason tells a restart from a player away too long.
    client.on('session-expired', (lost) => {
      seatLost = lost;
      setStandingBanner({ text: lostSeatText(lost), tone: 'bad' });
      render();
    }),
    // The server is going away (a deploy's drain, or a shutdown): the match goes on meanwhile, so say
    // so now rather than only once it ends. A shutdown names when it closes (`closing`, just before its
    // `error`), counted down from then.
    client.on('closing', ({ inMs }) => {
      shutdownAt = performance.now() + inMs;
      setStandingBanner({ text: shutdownText(Math.ceil(inMs / 1_000)), tone: 'warn' });
    }),
    client.on('error', ({ code }) => {
      if (code === 'SERVER_SHUTTING_DOWN') {
        // A server that names no time (one older than the notice's `closesInMs`).
        if (shutdownAt === undefined) setStandingBanner({ text: shutdownText(undefined), tone: 'warn' });
        return;
      }
      const leaving = leavingServerText(code);
      if (leaving !== undefined) setStandingBanner({ text: leaving, tone: 'warn' });
    }),
    client.on('moved', ({ code }) => {
      shutdownAt = undefined;
      setStandingBanner(undefined);
      const moved = movedText(code);
      if (moved !== undefined) showBanner(moved, 'warn', 8_000);
    }),
    client.on('closed', ({ code, message }) => {
      downSince = undefined;
      seatLost = undefined;
      shutdownAt = undefined;
      setStandingBanner(undefined);
      render();
      if (code !== 'CLOSED_BY_CLIENT') showBanner(disconnectedText(code, message), 'bad');
    }),
  ];
  render();
  return () => {
    for (const dispose of disposers) dispose();
  };
}
