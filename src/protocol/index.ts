/** vehikill-net/protocol: the wire format shared by server and client. Depends on nothing else here. */
export { BitReader, BitWriter } from './bits.js';
export { bodyProblem, MAX_BODY_NESTING } from './body-scan.js';
export {
  boundedData,
  flatRecord,
  MAX_DATA_DEPTH,
  METADATA_LIMITS,
  metadataProblem,
} from './bounded-data.js';
export {
  type DatagramFromServerFields,
  encodeDatagramFromServer,
  encodeDatagramToServer,
  encodeTaggedDatagramFromServer,
  readDatagramFromServerFrame,
  readSingleDatagramToServer,
  SINGLE_DATAGRAM_CHANNEL_AT,
} from './datagram-frames.js';
export {
  GUEST_NAME_LENGTH,
  MAX_NAME_LENGTH,
  NAME_RULE,
  nameProblem,
  normalizeName,
} from './display-name.js';
export { allErrorCodes, closeCodeFor, ErrorCode, errorCodeForClose, isErrorCode } from './error-codes.js';
export { Feature, hasFeature, OUR_FEATURES } from './features.js';
export {
  type DecodedFrame,
  decodeFrame,
  describeIssue,
  encodeData,
  encodeMessage,
  wrapExpiring,
  wrapReliable,
} from './frame-codec.js';
export { DEFAULT_MAX_FRAME_BYTES, MAX_ENVELOPE_BYTES } from './frame-limits.js';
export { Kind } from './kinds.js';
export { DEFAULT_EXPIRING_TTL_MS, MessageClass } from './message-class.js';
export {
  APP_ERROR_CODE,
  type Body,
  type BodyKind,
  clientToServerKinds,
  connectionKinds,
  type JoinedRoom,
  joinedRoomSchema,
  type LeaveReason,
  MAX_FANOUT_TARGETS,
  MAX_PEER_DATA_BYTES,
  MAX_REASON_LENGTH,
  MAX_ROOM_REQUESTS_WAITING,
  MEMBERSHIP_NUMBERS,
  type Member,
  type Message,
  type MessageOf,
  playerId,
  type ReadRooms,
  type RoomInfo,
  readRooms,
  requestKinds,
  resumeToken,
  roomInfoSchema,
  type Scalar,
  schemaByKind,
  serverToClientKinds,
} from './messages.js';
export { ProtocolError } from './protocol-error.js';
export { Inbox, Outbox, type OutboxLimits, type OutboxRoom } from './reliable-stream.js';
export { RoomError, RoomRequestError } from './request-refusals.js';
export { checkTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS } from './request-timeout.js';
export { MAX_RESUME_ATTEMPT_AHEAD } from './resume-attempt.js';
export { normalizeRoomCode, ROOM_CODE_ALPHABET, ROOM_CODE_LENGTHS } from './room-code.js';
export { checkSendOptions, MAX_TTL_MS, type MessageSendOptions } from './send-options.js';
export { bytesText, checkFrameSize, encodeSendable, encodeSendableData } from './sendable.js';
export { MAX_SEQ_AHEAD } from './seq-window.js';
export { SessionGoneReason, sessionGoneReason } from './session-gone.js';
export {
  isSessionKeepMs,
  MAX_SESSION_KEEP_MS,
  MAX_SESSION_LEAVE_BYTES,
  SESSION_LEAVE_PATH,
  type SessionLeave,
  sessionLeaveSchema,
  sessionLeaveUrl,
} from './session-leave.js';
export { readVarUint, varUintLength, writeVarUint } from './varuint.js';
export { PROTOCOL_VERSION } from './version.js';
export { ARRIVAL_TAG, httpEndpointUrl, isWebSocketUrl, withoutArrivalTag } from './websocket-url.js';
