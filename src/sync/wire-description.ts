import type { Field } from './field.js';

/**
 * What a code of the field means and how it is written, its path left out: `kind bits grid detail`. The
 * schema fingerprint describes each field by its path and this (snapshot/entity-registry.ts), and a list
 * describes its element by this, so a client whose element type differs is refused as for any field.
 */
export function wireDescription(field: Field): string {
  // Int, float and angle fields carry their grid (see state-quantizer.ts), which says what a code means.
  const grid = (field as { readonly grid?: unknown }).grid;
  return [field.kind, field.bits, JSON.stringify(grid ?? null), field.wireDetail ?? ''].join(' ');
}
