/** vehikill-net/client: sessions, rooms and reconnection, in browsers and in Node. */
export type { Disposer } from '../common/index.js';
export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  ErrorCode,
  type LeaveReason,
  type Member,
  MessageClass,
  ProtocolError,
  RoomError,
  type RoomInfo,
  RoomRequestError,
  SessionGoneReason,
} from '../protocol/index.js';
// Why a `remove` event's entity went (its `reason`): the codec's own constants.
export { RemovalKind } from '../sync/index.js';
export {
  Channel,
  type ChannelConditions,
  type ConditionerSettings,
  type DeviceClass,
  type DeviceReport,
  type FailoverState,
  type Link,
  type LinkQuality,
  type LinkState,
  type LinkStats,
  type NetworkConditions,
  type QualityChange,
  type QualityGrade,
  type QualityView,
} from '../transport/index.js';
export { type BackoffOptions, backoffDelay } from './backoff.js';
export { Client, type ClientEvents, type ClientStats, type ConnectionState } from './client.js';
export type { ClientOptions } from './client-options.js';
export {
  type DeviceEnvironment,
  type DeviceState,
  DeviceWatch,
  physRateFor,
} from './device/device-watch.js';
export type { MeshEvents, RejectReason } from './mesh/mesh-events.js';
export type { MeshOptions } from './mesh/mesh-options.js';
export type { MeshSendRefusal, MeshSendResult } from './mesh/mesh-send-result.js';
export { PeerLink } from './mesh/peer-link.js';
export { PeerMesh } from './mesh/peer-mesh.js';
export type { RefusalReport } from './mesh/refusal-reports.js';
export { type CatchAllHandler, RoomConnection } from './room-connection.js';
export type {
  RoomRequestOptions,
  RoomRequestStats,
} from './room-requests.js';
export type { RoomEvents, RoomSendOptions } from './room-transport.js';
export { type RoomQuery, RoomWatch, type RoomWatchEvents } from './room-watch.js';
export {
  ClientServerLink,
  type ServerLinkMode,
  type ServerLinkPath,
  type ServerLinkSettings,
} from './server-link/client-server-link.js';
export {
  isEntityOf,
  type SyncedChange,
  type SyncedEntity,
  type SyncedRemoval,
  SyncedState,
  type SyncedStateEvents,
  type SyncedStateOptions,
  type SyncedStateStats,
  type SyncLink,
  type SyncSeating,
} from './sync/synced-state.js';
export { type MicrophoneResult, VoiceChat, type VoiceEvents, type VoiceOptions } from './voice/voice-chat.js';
export type { WebSocketConstructor, WebSocketLike } from './web-socket.js';
