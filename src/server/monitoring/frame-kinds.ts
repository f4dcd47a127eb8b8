import { Kind } from '../../protocol/index.js';
import type { MetricsSink } from '../metrics.js';

/** Kind byte -> label: snake_case names from the protocol's closed table, so labels stay a small set. */
const kindNames = new Map<number, string>(
  Object.entries(Kind).map(([name, value]) => [value, name.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase()]),
);

/** Every label `kindOfFrame` can return. */
export const frameKindLabels: readonly string[] = [...kindNames.values(), 'unknown'];

/**
 * The message kind a frame carries, looking inside the sequenced envelopes (their kind is only the
 * wrapper: the inner message is what an operator wants to see). 'unknown' for anything undecodable.
 */
export function kindOfFrame(frame: Uint8Array): string {
  let at = 0;
  const outer = frame[0];
  if (outer === Kind.Reliable) at = skipVarUint(frame, 1);
  else if (outer === Kind.Expiring) at = skipVarUint(frame, skipVarUint(frame, 1));
  const kind = frame[at];
  return (kind !== undefined && kindNames.get(kind)) || 'unknown';
}

/** Counts one frame in `messages_{in,out}_total` and `bytes_{in,out}_total`, labelled by kind. */
export function countFrame(metrics: MetricsSink, direction: 'in' | 'out', frame: Uint8Array): void {
  const labels = { kind: kindOfFrame(frame) };
  metrics.count(`messages_${direction}_total`, labels);
  metrics.count(`bytes_${direction}_total`, labels, frame.length);
}

function skipVarUint(bytes: Uint8Array, offset: number): number {
  let at = offset;
  // A varuint ends at the first byte without the high bit; past the frame, kind lookup yields 'unknown'.
  while (at < bytes.length && ((bytes[at] ?? 0) & 0x80) !== 0) at++;
  return at + 1;
}
