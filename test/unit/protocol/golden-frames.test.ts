import { readFileSync } from 'node:fs';
import {
  allErrorCodes,
  type BodyKind,
  clientToServerKinds,
  closeCodeFor,
  decodeFrame,
  encodeMessage,
  Kind,
  serverToClientKinds,
  wrapExpiring,
  wrapReliable,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

interface Golden {
  name: string;
  direction: string;
  hex: string;
  json: {
    envelope: 'bare' | 'reliable' | 'expiring';
    seq?: number;
    ttlMs?: number;
    kind: BodyKind;
    body: never;
  };
}

const goldens: Golden[] = [
  ...doc.matchAll(/```golden name=(\S+) direction=(\S+)\nhex: ([^\n]+)\njson: ([^\n]+)\n```/g),
].map((match) => ({
  name: match[1]!,
  direction: match[2]!,
  hex: match[3]!.trim(),
  json: JSON.parse(match[4]!),
}));

const toHex = (bytes: Uint8Array) => [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
const fromHex = (hex: string) => Uint8Array.from(hex.split(' ').map((pair) => Number.parseInt(pair, 16)));
const accepted = (direction: string) =>
  direction === 'client-to-server'
    ? clientToServerKinds
    : direction === 'server-to-client'
      ? serverToClientKinds
      : new Set([...clientToServerKinds, ...serverToClientKinds]);

describe('docs/protocol.md golden frames', () => {
  it('has golden frames for every envelope and both directions', () => {
    expect(goldens.length).toBeGreaterThanOrEqual(14);
    expect(new Set(goldens.map((golden) => golden.json.envelope))).toEqual(
      new Set(['bare', 'reliable', 'expiring']),
    );
  });

  for (const golden of goldens) {
    it(`${golden.name}: encodes to the documented bytes and decodes back`, () => {
      const { envelope, seq, ttlMs, kind, body } = golden.json;
      const inner = encodeMessage(kind, body);
      const bytes =
        envelope === 'bare'
          ? inner
          : envelope === 'reliable'
            ? wrapReliable(seq!, inner)
            : wrapExpiring(seq!, ttlMs!, inner);
      expect(toHex(bytes)).toBe(golden.hex);
      const decoded = decodeFrame(fromHex(golden.hex), accepted(golden.direction));
      expect(decoded).toEqual({
        envelope,
        ...(seq === undefined ? {} : { seq }),
        ...(ttlMs === undefined ? {} : { ttlMs }),
        message: { kind, body },
      });
    });
  }

  it('documents every message kind with its hex number', () => {
    for (const [name, value] of Object.entries(Kind)) {
      const hex = `0x${value.toString(16).padStart(2, '0')}`;
      expect(doc, `kind ${name}`).toMatch(new RegExp(`\\|\\s*${hex}\\s*\\|\\s*${name}\\s*\\|`));
    }
  });

  it('documents every error code with its close code', () => {
    for (const code of allErrorCodes()) {
      expect(doc, `error ${code}`).toMatch(
        new RegExp(`\\|\\s*${closeCodeFor(code)}\\s*\\|\\s*${code}\\s*\\|`),
      );
    }
  });
});
