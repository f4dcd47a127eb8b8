// The operator dashboard: polls /dashboard/api/state once a second and redraws rooms, alerts and charts;
// a player's session can be ended from its row. The login cookie (HttpOnly) rides along with every
// same-origin fetch. The style (uPlot's and ours) is bundled from dashboard.css.
import uPlot from 'uplot';

interface Player {
  playerId: string;
  name: string;
  away: boolean;
  rttMs: number;
  serverLink: string;
  grade?: string;
  /** NaN (null in JSON) until measured. */
  quality: { jitterMs: number | null; lossUp: number | null; lossDown: number | null };
}
interface Room {
  roomId: string;
  type: string;
  code?: string;
  clients: number;
  maxClients: number;
  locked: boolean;
  players: Player[];
}
interface Alert {
  rule: string;
  message: string;
  firedAt: number;
  clearedAt?: number;
}
interface State {
  nodeId: string;
  now: number;
  rooms: Room[];
  lobby: Player[];
  history: { t: number[]; series: Record<string, (number | null)[]> };
  alerts: { active: Alert[]; past: Alert[] };
}

/** Charts: a title and the history series drawn on it. */
const CHARTS: { title: string; series: string[] }[] = [
  { title: 'Rooms, players, connections', series: ['rooms', 'players', 'connections'] },
  { title: 'Messages per second', series: ['messages_in_per_s', 'messages_out_per_s'] },
  { title: 'Bytes per second', series: ['bytes_in_per_s', 'bytes_out_per_s'] },
  { title: 'Round trip (ms)', series: ['rtt_p50_ms', 'rtt_p99_ms'] },
  { title: 'Tick p99 and event-loop lag (ms)', series: ['tick_p99_ms', 'event_loop_lag_p99_ms'] },
  {
    title: 'Errors and reconnects per second',
    // Errors counted, and their sources (what the error-spike alert watches: a client counts once).
    series: ['errors_per_s', 'error_sources_per_s', 'reconnects_per_s'],
  },
  { title: 'Server links', series: ['server_links_udp', 'server_links_tcp'] },
];
const COLORS = ['#2d6cdf', '#e8590c', '#2f9e44', '#ae3ec9'];

const $ = (testId: string): HTMLElement => {
  const element = document.querySelector<HTMLElement>(`[data-testid="${testId}"]`);
  if (!element) throw new Error(`the page has no ${testId}`);
  return element;
};

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attributes: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

const plots = new Map<string, uPlot>();

function drawCharts(state: State): void {
  // uPlot wants seconds on the x axis.
  const xs = state.history.t.map((t) => t / 1_000);
  for (const chart of CHARTS) {
    const data = [
      xs,
      ...chart.series.map((name) => state.history.series[name] ?? xs.map(() => null)),
    ] as uPlot.AlignedData;
    const existing = plots.get(chart.title);
    if (existing) {
      existing.setData(data);
      showNewest(existing);
      continue;
    }
    const holder = element('div', undefined, { class: 'chart', 'data-testid': 'chart' });
    $('charts').append(holder);
    const plot = new uPlot(
      {
        title: chart.title,
        width: 420,
        height: 200,
        series: [
          {},
          ...chart.series.map((name, i) => ({ label: name, stroke: COLORS[i % COLORS.length], width: 2 })),
        ],
      },
      data,
      holder,
    );
    plots.set(chart.title, plot);
    showNewest(plot);
  }
}

/**
 * The legend shows the values under the cursor, and '--' for each series while it is off the chart: then
 * it shows the newest second's instead, so an operator reads numbers without hovering.
 */
function showNewest(plot: uPlot): void {
  if ((plot.cursor.left ?? -1) >= 0) return; // the operator is reading a point
  const newest = (plot.data[0]?.length ?? 0) - 1;
  if (newest >= 0) plot.setLegend({ idx: newest });
}

/** Jitter and loss each way, as the server measures the player's link: shown on the grade's tooltip. */
function qualityDetail(quality: Player['quality']): string {
  const ms = (value: number | null) => (value === null ? '–' : `${Math.round(value)} ms`);
  const share = (value: number | null) => (value === null ? '–' : `${(value * 100).toFixed(1)}%`);
  return `jitter ${ms(quality.jitterMs)}, loss up ${share(quality.lossUp)}, loss down ${share(quality.lossDown)}`;
}

/**
 * Asks for the reason the player is told (cancel: nothing happens), then ends the session. The write is
 * JSON from this very page: the server refuses one that another site's page could have made.
 */
async function endSession(player: Player): Promise<void> {
  const message = prompt(
    `End ${player.name}'s session? The reason the player is told:`,
    'ended by an operator',
  );
  if (message === null) return;
  const status = $('action-status');
  try {
    const response = await fetch('/dashboard/api/end-session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ playerId: player.playerId, message: message.slice(0, 512) }),
    });
    const answer = (await response.json()) as { ended?: boolean; message?: string };
    if (!response.ok)
      status.textContent = `could not end ${player.name}'s session: ${answer.message ?? response.status}`;
    else if (answer.ended) status.textContent = `ended ${player.name}'s session`;
    else status.textContent = `${player.name}'s session had ended already`;
  } catch (error) {
    status.textContent = `could not end ${player.name}'s session: ${String(error)}`;
  }
}

function playerRow(player: Player): HTMLTableRowElement {
  const row = element('tr', undefined, { 'data-testid': 'player' });
  const end = element('button', 'End session', { type: 'button', 'data-testid': 'end-session' });
  end.addEventListener('click', () => void endSession(player));
  row.append(
    element('td', player.name),
    element('td', player.away ? 'away' : 'connected'),
    element('td', player.rttMs > 0 ? `${Math.round(player.rttMs)} ms` : '–'),
    element('td', player.grade ?? '–', {
      class: `quality-${player.grade ?? 'unknown'}`,
      title: qualityDetail(player.quality),
    }),
    element(
      'td',
      player.serverLink === 'direct' ? 'UDP' : player.serverLink === 'relayed' ? 'TCP' : player.serverLink,
    ),
  );
  const actions = element('td');
  actions.append(end);
  row.append(actions);
  return row;
}

function drawRooms(state: State): void {
  const holder = $('rooms');
  holder.replaceChildren();
  if (state.rooms.length === 0) holder.append(element('p', 'No rooms.'));
  for (const room of state.rooms) {
    const box = element('div', undefined, {
      class: 'room',
      'data-testid': 'room',
      'data-room-id': room.roomId,
    });
    const title = `${room.type} ${room.code ? `(${room.code}) ` : ''}· ${room.clients}/${room.maxClients}${room.locked ? ' · locked' : ''}`;
    box.append(element('h3', title));
    const table = element('table');
    const head = element('tr');
    for (const label of ['Player', 'State', 'RTT', 'Quality', 'Server link', ''])
      head.append(element('th', label));
    table.append(head, ...room.players.map(playerRow));
    box.append(table);
    holder.append(box);
  }
}

function drawAlerts(state: State): void {
  const time = (ms: number) => new Date(ms).toLocaleTimeString();
  $('alerts-active').replaceChildren(
    ...(state.alerts.active.length === 0
      ? [element('li', 'None firing.')]
      : state.alerts.active.map((a) =>
          element('li', `${time(a.firedAt)} ${a.message}`, { class: 'firing' }),
        )),
  );
  $('alerts-past').replaceChildren(
    ...state.alerts.past.map((a) =>
      element('li', `${time(a.firedAt)}–${time(a.clearedAt ?? a.firedAt)} ${a.message}`),
    ),
  );
}

async function refresh(): Promise<void> {
  const response = await fetch('/dashboard/api/state?seconds=300', { cache: 'no-store' });
  if (response.status === 401) {
    location.reload(); // the cookie is gone (server restarted): back to the login form
    return;
  }
  if (!response.ok) throw new Error(`state: HTTP ${response.status}`);
  const state = (await response.json()) as State;
  $('node-id').textContent = state.nodeId;
  const players = state.rooms.reduce((n, room) => n + room.players.length, 0);
  $('summary').textContent =
    `${state.rooms.length} rooms · ${players} players in rooms · ${state.lobby.length} in the lobby · ${new Date(state.now).toLocaleTimeString()}`;
  drawRooms(state);
  drawAlerts(state);
  drawCharts(state);
}

async function loop(): Promise<void> {
  try {
    await refresh();
  } catch (error) {
    $('summary').textContent = `cannot reach the server: ${String(error)}`;
  }
  setTimeout(() => void loop(), 1_000);
}

void loop();
