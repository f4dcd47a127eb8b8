/** vehikill-net/server: the game server, rooms, sessions and their plug points. Node only. */
export type { Cancel, Clock, Disposer } from '../common/index.js';
export { ManualClock, realClock } from '../common/index.js';
export {
  ErrorCode,
  type LeaveReason,
  MessageClass,
  ProtocolError,
  RoomError,
  type RoomInfo,
  RoomRequestError,
  type Scalar,
} from '../protocol/index.js';
// The channel a link message came on (`Room.onLinkMessage`) and a send goes on (`client.link.send`), and
// what a player's device declared (`client.link.device`).
export { Channel, type DeviceReport } from '../transport/core.js';
export type { Authenticator, AuthResult, Identity } from './auth/authenticator.js';
export { guestAuthenticator } from './auth/authenticator.js';
export { GuestTokens } from './auth/guest-tokens.js';
export { type CloseOptions, type DrainOptions, GameServer } from './game-server.js';
export { type IceServer, iceServersFor, type TurnRestOptions, turnCredentials } from './ice/ice-servers.js';
export { relayOnlySignal } from './ice/relay-only-signal.js';
export { CountingMetrics, type MetricsSink } from './metrics.js';
export * from './monitoring/index.js';
export type { SubscribeOptions, TopicHandler } from './node-messages/node-topics.js';
export { RoomCallError } from './node-messages/room-call-error.js';
export { DEFAULT_CALL_TIMEOUT_MS, type RoomCallOptions } from './node-messages/room-calls.js';
export type { GameServerOptions } from './options.js';
export { MemoryRegistry, type MemoryRegistryOptions } from './registry/memory-registry.js';
export { RedisRegistry, type RedisRegistryOptions } from './registry/redis-registry.js';
export {
  type Arrival,
  type Arrivals,
  type ArrivedSessions,
  arrivalPlanTtl,
  type ListingChange,
  type ListingPatch,
  MAX_ARRIVAL_PLAN_TTL_MS,
  NodeIdInUseError,
  type NodeInfo,
  type NodeLoad,
  type Registry,
  type RoomListing,
  type RoomQuery,
} from './registry/registry.js';
export type { RoomOrder } from './registry/room-order.js';
export { addressBlock } from './remote-address.js';
export {
  type BudgetClock,
  type BudgetVerdict,
  MessageBudget,
  type MessageBudgetLimits,
} from './rooms/message-budget.js';
export type { QuickPlayOrder, RoomTypeOptions } from './rooms/quick-play-order.js';
export {
  type BroadcastOptions,
  type CallHandler,
  type CatchAllHandler,
  MAX_RECONNECTION_MS,
  type MessageHandler,
  type PeerPrivacy,
  Room,
  type RoomClass,
} from './rooms/room.js';
export { MAX_ROOM_ASKS_WAITING, type RoomAskOptions } from './rooms/room-asks.js';
export type { RoomClient, SendOptions } from './rooms/room-client.js';
export type { RoomClock } from './rooms/room-clock.js';
export {
  type Environment,
  numberFromEnvironment,
  optionsFromEnvironment,
  portFromEnvironment,
  registryAddressForLog,
  registryFromEnvironment,
} from './run/environment.js';
export { exitOnStartFailure } from './run/exit-on-start-failure.js';
export { stopOnSignals } from './run/stop-on-signals.js';
export { urlToOpen } from './run/url-to-open.js';
export { HandshakePacer, type HandshakeRequester } from './server-link/handshake-pacer.js';
export { type DirectAttempts, type DirectOutcome, ServerLink } from './server-link/server-link.js';
export type { ServerLinkOptions } from './server-link/server-link-options.js';
export { ServerLinks } from './server-link/server-links.js';
export {
  MAX_ROOM_REQUESTS_OVERDUE,
  MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE,
  MIN_REQUEST_DEADLINE_MS,
  OVERDUE_WRITE_OFF_MS,
} from './sessions/request-slots.js';
export { RESYNC_ANSWER_MARGIN_MS } from './sessions/requests-to-player.js';
export type { SessionEvents, SessionInfo } from './sessions/session-events.js';
export {
  AdaptiveRate,
  type AdaptiveRateOptions,
  type RateInputs,
  type RateSetting,
} from './sync/adaptive-rate.js';
export { RoomSync } from './sync/room-sync.js';
export {
  type AdaptiveLinkFacts,
  MAX_SNAPSHOT_BUDGET_BYTES,
  type RoomSyncOptions,
  type SyncedRoom,
  type SyncMember,
} from './sync/room-sync-options.js';
export type { RoomSyncStats } from './sync/room-sync-stats.js';
