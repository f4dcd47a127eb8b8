import type { Client, Disposer } from 'vehikill-net/client';
import { showStatus, ui } from './ui.js';

/**
 * Keeps the header's indicator honest: connecting, open (as whom, and whether the link to the server is
 * direct UDP or TCP over the WebSocket), reconnecting (for how long), closed (and why). The count of
 * attempts is reported once the client is back.
 */
export function watchConnection(client: Client): Disposer {
  let stopTicker: (() => void) | undefined;

  const linkPath = () => (client.serverLink.path === 'direct' ? 'UDP' : 'TCP');
  const showOpen = () =>
    show(
      'open',
      `${client.name ?? ''} · ${linkPath()}`,
      client.serverLink.path === 'direct'
        ? 'Inputs and snapshots travel as datagrams on a direct link to the server.'
        : 'Inputs and snapshots travel over the WebSocket (no direct link to the server yet).',
    );
  const show = (state: string, detail = '', explanation = '') => {
    ui.connection.dataset.state = state;
    ui.connection.textContent = detail ? `${state} · ${detail}` : state;
    ui.connection.title = explanation;
  };
  const countDown = (reason: string) => {
    stopTicker?.();
    const since = Date.now();
    const tick = () => show('reconnecting', `${Math.round((Date.now() - since) / 1000)} s`, reason);
    tick();
    const timer = setInterval(tick, 1_000);
    stopTicker = () => clearInterval(timer);
  };

  const disposers = [
    client.serverLink.onState(() => {
      if (client.state === 'open') showOpen();
    }),
    client.on('state', (state) => {
      if (state !== 'reconnecting') {
        stopTicker?.();
        stopTicker = undefined;
      }
      // 'reconnecting' and 'closed' are shown by their own events, which carry the reason.
      if (state === 'open') showOpen();
      else if (state === 'connecting') show('connecting');
    }),
    client.on('drop', ({ reason }) => countDown(reason || 'connection lost')),
    client.on('reconnect', ({ resumed, attempts, downtimeMs }) => {
      const after = `after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'} (${(downtimeMs / 1000).toFixed(1)} s)`;
      showStatus(
        resumed
          ? `Reconnected ${after}: nothing was lost.`
          : `Reconnected ${after} with a new session: your seat was gone.`,
        'info',
      );
    }),
    client.on('closed', ({ code, message }) => {
      stopTicker?.();
      show('closed', code, message);
    }),
  ];
  return () => {
    stopTicker?.();
    for (const dispose of disposers) dispose();
  };
}
