import type { Client, PeerMesh } from 'vehikill-net/client';
import type { ArenaClient } from '../../net/client/arena-client.js';
import { element } from '../dom.js';
import type { FrameTimer } from '../render/frame-timer.js';
import { ui } from '../ui.js';
import { ConditionerPanel } from './conditioner-panel.js';
import { peerLine } from './peer-line.js';
import { SnapshotRate } from './snapshot-rate.js';

const REFRESH_MS = 500;

export interface NetSources {
  readonly client: Client;
  arena(): ArenaClient | undefined;
  mesh(): PeerMesh | undefined;
  nameOf(playerId: string): string;
  readonly frames: FrameTimer;
}

const number = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const percent = (value: number) => (Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : '–');

/**
 * The network overlay (N or the Network button): the server link's round trip, jitter, loss each way,
 * kbit/s in and out, its path, the snapshot rate and bytes, every peer link's path, and the page's own
 * frame time, refreshed twice a second while shown; and the network conditioner, to play on a bad
 * network on purpose.
 */
export class NetOverlay {
  readonly #sources: NetSources;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #snapshotRate = new SnapshotRate();
  /** The numbers, redrawn while shown; the conditioner's form below them stays put. */
  readonly #numbers = element('div');
  readonly #conditioner: ConditionerPanel;

  constructor(sources: NetSources) {
    this.#sources = sources;
    // Only while a game session exists: the sources' client is the session's.
    this.#conditioner = new ConditionerPanel(() => (sources.arena() ? sources.client : undefined));
    ui.netOverlay.replaceChildren(this.#numbers, this.#conditioner.element);
  }

  get visible(): boolean {
    return !ui.netOverlay.hidden;
  }

  toggle(show = !this.visible): void {
    ui.netOverlay.hidden = !show;
    ui.overlayButton.setAttribute('aria-pressed', String(show));
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (show) {
      this.#render();
      this.#timer = setInterval(() => this.#render(), REFRESH_MS);
    }
  }

  dispose(): void {
    clearInterval(this.#timer);
  }

  #render(): void {
    // A new connection (shown or not since): the conditioner shows what that client has in force.
    this.#conditioner.refresh();
    const { client, frames } = this.#sources;
    const quality = client.quality.snapshot();
    const stats = client.stats();
    const arena = this.#sources.arena();
    const synced = arena?.synced.stats();
    // Per room: each room's arena counts its snapshots from 0.
    const snapshotRate =
      arena && synced
        ? this.#snapshotRate.sample(arena, synced.snapshotsReceived, performance.now())
        : Number.NaN;
    const rows: [string, string][] = [
      [
        'Server link',
        `${stats.serverLink.path === 'direct' ? 'UDP (direct)' : 'TCP (WebSocket)'} · ${quality.grade}`,
      ],
      ['RTT', `${number(quality.rttMs)} ms`],
      ['Jitter', `${number(quality.jitterMs, 1)} ms`],
      ['Loss up / down', `${percent(quality.lossUp)} / ${percent(quality.lossDown)}`],
      ['kbit/s in / out', `${number(quality.kbpsIn, 1)} / ${number(quality.kbpsOut, 1)}`],
      [
        'Snapshots',
        synced ? `${number(snapshotRate, 1)} /s · ${number(synced.bytesPerSecond / 125, 1)} kbit/s` : '–',
      ],
      ['Frame (p50 / p99)', `${number(frames.percentile(50), 2)} / ${number(frames.percentile(99), 2)} ms`],
    ];
    const table = element('table');
    for (const [label, value] of rows) {
      const row = element('tr');
      row.append(element('th', label), element('td', value));
      table.append(row);
    }
    const peers = this.#sources.mesh()?.peers() ?? [];
    const list = element('ul', '', 'peers');
    for (const peer of peers) {
      const item = element('li', peerLine(this.#sources.nameOf(peer.peerId), peer.state, peer.stats()));
      item.dataset.link = peer.state;
      list.append(item);
    }
    if (peers.length === 0) list.append(element('li', 'No peers', 'empty'));
    this.#numbers.replaceChildren(element('h3', 'Network'), table, element('h3', 'Peers'), list);
  }
}
