/**
 * vehikill-net/sync: entity schemas of typed, quantized fields and their bit-packed encodings, the
 * foundation of delta snapshots. Runs unchanged in Node and browsers; depends on `protocol` only.
 */
export {
  type AnyEntityType,
  type EntityType,
  entity,
  type FieldDeclarations,
  type FieldNameOf,
  type GroupNameOf,
  MAX_ENTITY_FIELDS,
  type StateOf,
} from './entity.js';
export type { Field, FieldCode, FieldDeclaration, FieldKind, FieldOf, ValueOf } from './field.js';
export { type AngleOptions, angle } from './fields/angle.js';
export { bool } from './fields/bool.js';
export { enumOf } from './fields/enum.js';
export { type FloatOptions, float } from './fields/float.js';
export { type IntOptions, int } from './fields/int.js';
export { type ListCode, type ListOptions, list } from './fields/list.js';
export { type Quaternion, type QuaternionOptions, quaternion } from './fields/quaternion.js';
export type { RelativeCodec } from './fields/relative.js';
export { type StringOptions, string } from './fields/string.js';
export { type Vec2, type Vec3, vec2, vec3 } from './fields/vector.js';
export {
  ackEndOf,
  ackStartOf,
  chainPayload,
  decodeSyncFrame,
  encodeAckFrame,
  encodeAppFrame,
  encodeChainFrame,
  encodeSnapshotFrame,
  encodeTaggedFrame,
  encodeTypesDifferFrame,
  type SyncFrame,
  SyncTag,
} from './link-frame.js';
export { SchemaError } from './schema-error.js';
export {
  ACK_BYTES,
  decodeAck,
  decodeAckIn,
  encodeAck,
  readAck,
  type SnapshotAck,
  writeAck,
} from './snapshot/ack.js';
export { type EncodedChanges, EncodingCache } from './snapshot/encoding-cache.js';
export { type EntityRegistry, entityRegistry, MAX_ENTITY_TYPES } from './snapshot/entity-registry.js';
export {
  type EntityRecord,
  EntityTable,
  type EntityTableOptions,
  type WorldFrame,
} from './snapshot/entity-table.js';
export { frameView, type Visibility } from './snapshot/frame-view.js';
export {
  type Candidate,
  PriorityAccumulator,
  type PriorityOptions,
  Tier,
} from './snapshot/priority.js';
export { SEQ_MODULO } from './snapshot/seq.js';
export {
  type SharedSnapshotStats,
  SharedSnapshots,
  type SharedSnapshotsOptions,
} from './snapshot/shared-snapshots.js';
export {
  type ClientEntity,
  RemovalKind,
  type ResentOutcome,
  SnapshotDecoder,
  type SnapshotDecoderOptions,
  type SnapshotOutcome,
} from './snapshot/snapshot-decoder.js';
export {
  type EncodedSnapshot,
  type EncodeOptions,
  SnapshotEncoder,
  type SnapshotEncoderOptions,
} from './snapshot/snapshot-encoder.js';
export type { OverBudget } from './snapshot/snapshot-plan.js';
export {
  epochOf,
  membershipOf,
  STREAM_BITS,
  snapshotStream,
  streamNewer,
  streamOf,
} from './snapshot/stream.js';
export { MAX_ENTITY_ID } from './snapshot/wire.js';
export {
  changeMask,
  codesToState,
  type EntityCodes,
  fieldMask,
  quantizeState,
  stateToCodes,
} from './state-codes.js';
export {
  fullStateBits,
  readFullState,
  readStateChanges,
  stateChangesBits,
  writeFullState,
  writeStateChanges,
} from './state-encoding.js';
