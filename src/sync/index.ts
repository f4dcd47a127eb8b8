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
  MAX_ENTITY_FIELDS,
  type StateOf,
} from './entity.js';
export type { Field, FieldCode, FieldDeclaration, FieldKind, FieldOf, ValueOf } from './field.js';
export { type AngleOptions, angle } from './fields/angle.js';
export { bool } from './fields/bool.js';
export { enumOf } from './fields/enum.js';
export { type FloatOptions, float } from './fields/float.js';
export { type IntOptions, int } from './fields/int.js';
export { type Quaternion, type QuaternionOptions, quaternion } from './fields/quaternion.js';
export { type StringOptions, string } from './fields/string.js';
export { type Vec2, type Vec3, vec2, vec3 } from './fields/vector.js';
export { SchemaError } from './schema-error.js';
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
