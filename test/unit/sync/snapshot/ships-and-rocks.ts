import { bool, entity, entityRegistry, int } from 'vehikill-net/sync';

// The types of the wire-format example in docs/sync.md ("Snapshot wire format"), for the tests that take
// snapshots apart bit by bit.
export const Ship = entity('ship', { hp: int({ min: 0, max: 100 }), shield: bool() });
export const Rock = entity('rock', { size: int({ min: 0, max: 3 }) });
export const registry = entityRegistry([Ship, Rock]);
