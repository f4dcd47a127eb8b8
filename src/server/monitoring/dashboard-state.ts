import type { Alert } from './alert-rules.js';
import { gradeOf, type QualityGrade } from './anonymous-analytics.js';
import type { MetricsHistory } from './metrics-history.js';
import type { PlayerStats, RoomStats, ServerStats } from './server-stats.js';

export interface DashboardPlayer extends PlayerStats {
  /** The server link's grade (from the heartbeat RTT until it has measured); undefined before either. */
  grade: QualityGrade | undefined;
}

export interface DashboardState {
  nodeId: string;
  now: number;
  rooms: (RoomStats & { players: DashboardPlayer[] })[];
  /** Connected players in no room. */
  lobby: DashboardPlayer[];
  history: { t: number[]; series: Record<string, (number | null)[]> };
  alerts: { active: Alert[]; past: Alert[] };
}

/** The history a state request gets without `?seconds=`. */
const DEFAULT_STATE_SECONDS = 300;

/**
 * The `seconds` of history a state request asks for: a whole number, 1 or more (digits only), cut to
 * what the history holds; 300 when absent. Undefined for anything else: the history holds one value a
 * second, and a fraction (`2.5`) named points between them, which came back as gaps.
 */
export function stateSeconds(raw: string | null, capacity: number): number | undefined {
  if (raw === null) return Math.min(DEFAULT_STATE_SECONDS, capacity);
  if (!/^\d{1,16}$/.test(raw)) return undefined;
  const seconds = Number(raw);
  return seconds >= 1 ? Math.min(seconds, capacity) : undefined;
}

/** What `/dashboard/api/state` answers: rooms with their players, the last `seconds` of history, alerts. */
export function dashboardState(input: {
  nodeId: string;
  now: number;
  stats: ServerStats;
  history: MetricsHistory;
  seconds: number;
  alerts: { active: Alert[]; past: Alert[] };
}): DashboardState {
  const players = input.stats.players().map((player) => ({
    ...player,
    grade: gradeOf(player),
  }));
  const series: Record<string, (number | null)[]> = {};
  let t: number[] = [];
  for (const name of input.history.seriesNames) {
    const points = input.history.series(name, input.seconds);
    t = points.t;
    series[name] = points.v;
  }
  return {
    nodeId: input.nodeId,
    now: input.now,
    rooms: input.stats.rooms().map((room) => ({
      ...room,
      players: players.filter((player) => player.roomId === room.roomId),
    })),
    lobby: players.filter((player) => player.roomId === undefined),
    history: { t, series },
    alerts: input.alerts,
  };
}
