/** Link quality: round trip, jitter, loss each way, bandwidth, and a grade with hysteresis. */

export {
  DEVICE_REPORT,
  type DeviceClass,
  type DeviceReport,
  decodeDeviceReport,
  deviceClassOf,
  deviceReportSchema,
  encodeDeviceReport,
} from './device-report.js';
export { FollowedQuality } from './followed-quality.js';
export {
  compareGrades,
  DEFAULT_QUALITY_THRESHOLDS,
  gradeOf,
  type QualityGrade,
  type QualityLimits,
  type QualityThresholds,
} from './grade.js';
export { InterarrivalJitter } from './jitter.js';
export {
  DEFAULT_SILENT_AFTER_MS,
  type LinkQuality,
  type QualityChange,
  QualityMonitor,
  type QualityMonitorOptions,
  type QualityView,
} from './quality-monitor.js';
