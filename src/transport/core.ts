/**
 * The transport without its WebRTC link: everything `index.ts` exports but `RtcLink` and its types, whose
 * declarations name the DOM's WebRTC types. The server and the sync layer import from here, so that a Node
 * app type-checks against `vehikill-net/server` with no `DOM` in its `lib`.
 */
export {
  CHANNELS,
  Channel,
  DATAGRAM_QUEUE_LIMIT,
  type DataChannelSettings,
  DEFAULT_EVENT_LIFETIME_MS,
  dataChannelInit,
} from './channels.js';
export { DISPATCH_HEADER_MAX_BYTES, dataFrameEpoch, MAX_DISPATCH_BYTES } from './dispatch-frames.js';
export type { DispatchReceiveLimits, DispatchRefusal } from './dispatch-receiver.js';
export { DispatchStream, type DispatchStreamOptions } from './dispatch-stream.js';
export {
  type DispatchEpochs,
  FailoverLink,
  type FailoverOptions,
  type FailoverState,
  type InboundGuard,
  type InboundPath,
} from './failover-link.js';
export type { Link, LinkState, LinkStats } from './link.js';
export { priorityOf } from './message-priority.js';
export { NewestSampleGate } from './newest-sample-gate.js';
export {
  compareGrades,
  DEFAULT_QUALITY_THRESHOLDS,
  DEFAULT_SILENT_AFTER_MS,
  DEVICE_REPORT,
  type DeviceClass,
  type DeviceReport,
  decodeDeviceReport,
  deviceClassOf,
  deviceReportSchema,
  encodeDeviceReport,
  FollowedQuality,
  gradeOf,
  InterarrivalJitter,
  type LinkQuality,
  type QualityChange,
  type QualityGrade,
  type QualityLimits,
  QualityMonitor,
  type QualityMonitorOptions,
  type QualityThresholds,
  type QualityView,
} from './quality/index.js';
export { DEFAULT_QUIET_AFTER_MS } from './quiet-path-watch.js';
export {
  type GoodbyeMarks,
  RELAY_CHANNEL_NUMBER,
  RELAY_CONTROL,
  RELAY_PHYS_INTERVAL_MS,
  RelayLink,
  type RelayLinkOptions,
  type RelayPort,
} from './relay-link.js';
export {
  MAX_EARLY_CANDIDATES,
  type RtcSignal,
  type RtcSignaling,
  type SignaledCandidate,
  type SignaledDescription,
} from './rtc-signal.js';
export { checkSendArguments } from './send-arguments.js';
export {
  type PendingSend,
  type SendPriority,
  SendScheduler,
  type SendSchedulerOptions,
  type WaitingPriority,
} from './send-scheduler.js';
export {
  type ChannelConditions,
  type ConditionedChannel,
  ConditionedPipe,
  Conditioner,
  type ConditionerSettings,
} from './simulated/conditioner.js';
export type { NetworkConditions } from './simulated/network-conditions.js';
export { seededRandom } from './simulated/seeded-random.js';
export {
  createSimulatedLinkPair,
  SimulatedLink,
  type SimulatedLinkOptions,
} from './simulated/simulated-link.js';
export { epochNewer, type FollowVerdict, StreamFollower } from './stream-follower.js';
