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
