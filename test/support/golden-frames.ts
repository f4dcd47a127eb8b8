import { readFileSync } from 'node:fs';
import {
  type BodyKind,
  clientToServerKinds,
  encodeMessage,
  serverToClientKinds,
  wrapExpiring,
  wrapReliable,
} from 'vehikill-net/protocol';

/** The golden frames written in docs/protocol.md, parsed so that tests can hold the page to the code. */

export type GoldenDirection = 'client-to-server' | 'server-to-client' | 'either';

export interface GoldenFrame {
  name: string;
  direction: GoldenDirection;
  hex: string;
  json: {
    envelope: 'bare' | 'reliable' | 'expiring';
    seq?: number;
    ttlMs?: number;
    kind: BodyKind;
    body: unknown;
  };
}

export const protocolDoc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

/** How many blocks open with ```golden, well-formed or not: a block the parser skips must not go unseen. */
export const goldenBlockCount = (protocolDoc.match(/^```golden\b/gm) ?? []).length;

export const goldenFrames: readonly GoldenFrame[] = [
  ...protocolDoc.matchAll(
    /^```golden name=(\S+) direction=(client-to-server|server-to-client|either)\r?\nhex: ([^\r\n]+)\r?\njson: ([^\r\n]+)\r?\n```/gm,
  ),
].map((match) => ({
  name: match[1]!,
  direction: match[2] as GoldenDirection,
  hex: match[3]!.trim(),
  json: JSON.parse(match[4]!) as GoldenFrame['json'],
}));

export const toHex = (bytes: Uint8Array): string =>
  [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');

export const fromHex = (hex: string): Uint8Array =>
  Uint8Array.from(hex.split(/\s+/).map((pair) => Number.parseInt(pair, 16)));

/** The kinds a receiver on the far end of `direction` accepts. */
export function acceptedFor(direction: GoldenDirection): ReadonlySet<number> {
  if (direction === 'client-to-server') return clientToServerKinds;
  if (direction === 'server-to-client') return serverToClientKinds;
  return new Set([...clientToServerKinds, ...serverToClientKinds]);
}

/** Encodes a golden frame's json the way a sender would. */
export function encodeGolden({ envelope, seq, ttlMs, kind, body }: GoldenFrame['json']): Uint8Array {
  // The json is the test's input: its body is whatever the page says, checked by decoding afterwards.
  const inner = encodeMessage(kind, body as never);
  if (envelope === 'bare') return inner;
  if (envelope === 'reliable') return wrapReliable(seq ?? Number.NaN, inner);
  return wrapExpiring(seq ?? Number.NaN, ttlMs ?? Number.NaN, inner);
}
