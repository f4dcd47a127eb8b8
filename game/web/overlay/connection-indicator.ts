import type { Client, Disposer, LinkQuality, QualityGrade } from 'vehikill-net/client';
import { setText } from '../dom.js';
import { ui } from '../ui.js';
import { clearBanner, showBanner } from './banner.js';

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
 * while reconnecting (with a running count of seconds) and after (resumed, or a new session).
 */
export function watchConnection(client: Client): Disposer {
  let downSince: number | undefined;

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
      const seconds = downSince === undefined ? 0 : Math.round((performance.now() - downSince) / 1000);
      setText(ui.connectionText, state === 'reconnecting' ? `reconnecting · ${seconds} s` : state);
      if (state === 'reconnecting') {
        showBanner(`Connection lost: reconnecting (${seconds} s). Your seat is kept for you.`, 'bad');
      }
    }
  };

  const timer = setInterval(render, REFRESH_MS);
  const disposers: Disposer[] = [
    () => clearInterval(timer),
    client.on('state', render),
    client.serverLink.onState(render),
    client.quality.on('change', ({ grade, previous, quality }) => {
      render();
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
      const after = `after ${(downtimeMs / 1000).toFixed(1)} s (${attempts} ${attempts === 1 ? 'attempt' : 'attempts'})`;
      showBanner(
        resumed ? `Reconnected ${after}: nothing was lost.` : `Reconnected ${after} with a new session.`,
        'good',
        5_000,
      );
      render();
    }),
    client.on('session-expired', ({ message }) => {
      showBanner(`You were away too long and lost your seat (${message}). Join again from the lobby.`, 'bad');
    }),
    client.on('closed', ({ code, message }) => {
      downSince = undefined;
      render();
      if (code === 'CLOSED_BY_CLIENT') clearBanner();
      else showBanner(`Disconnected (${code}): ${message}. Connect again to play.`, 'bad');
    }),
  ];
  render();
  return () => {
    for (const dispose of disposers) dispose();
  };
}
