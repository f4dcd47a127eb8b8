/** Operators' view of a GameServer: Prometheus metrics, history, alerts, dashboard, anonymous analytics. */
export type { Alert, AlertEvent, AlertRule, DefaultAlertOptions } from './alert-rules.js';
export { AlertRules, defaultAlertRules } from './alert-rules.js';
export {
  type AnalyticsOptions,
  type AnalyticsReport,
  AnonymousAnalytics,
  gradeForRtt,
  type QualityGrade,
  type SessionRecord,
} from './anonymous-analytics.js';
export {
  CLIENT_ERROR_COUNTERS,
  type ClientErrorCounter,
  ClientErrors,
  SERVER_ERROR_COUNTERS,
  SERVER_FAULT_COUNTERS,
  SOURCED_SERVER_ERROR_COUNTERS,
  type SourcedErrorCounter,
} from './client-errors.js';
export type { DashboardPlayer, DashboardState } from './dashboard-state.js';
export { FrameTally, kindOfFrame } from './frame-kinds.js';
export { HISTORY_SERIES, type HistorySeries } from './history-series.js';
export { metricCatalog } from './metric-catalog.js';
export { type HistoryJson, MetricsHistory, type MetricsHistoryOptions } from './metrics-history.js';
export type { AlertOptions, MonitoringOptions } from './monitoring.js';
export { ServerMonitoring } from './monitoring.js';
export {
  PrometheusMetrics,
  type PrometheusMetricsOptions,
  type PrometheusRenderer,
} from './prometheus-metrics.js';
export { RotatingSalt } from './rotating-salt.js';
export type { PlayerStats, RoomStats, ServerStats } from './server-stats.js';
