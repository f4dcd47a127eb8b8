import {
  allErrorCodes,
  clientToServerKinds,
  closeCodeFor,
  decodeFrame,
  ErrorCode,
  Kind,
  PROTOCOL_VERSION,
  ProtocolError,
  serverToClientKinds,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import {
  acceptedFor,
  encodeGolden,
  fromHex,
  goldenBlockCount,
  goldenFrames,
  protocolDoc,
  toHex,
} from '../../support/golden-frames.js';

/** Frames the page must show, one per message shape a reader most needs to see. */
const required = [
  'hello-fresh',
  'hello-resume',
  'welcome',
  'error',
  'ping',
  'pong',
  'ack',
  'bye',
  'join-room-reliable',
  'room-message-expiring',
  'response-ok',
  'response-error',
  'member-joined',
  'server-room-message',
];

const hexOf = (kind: number) => `0x${kind.toString(16).padStart(2, '0')}`;
/** The table row of a kind: `| 0x01 | Hello | client -> server | bare | ... |`, split into cells. */
function kindRow(name: string, kind: number): string[] | undefined {
  const line = protocolDoc
    .split('\n')
    .find((row) => new RegExp(`^\\|\\s*${hexOf(kind)}\\s*\\|\\s*${name}\\s*\\|`).test(row));
  return line
    ?.split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

describe('docs/protocol.md golden frames', () => {
  it('parses every golden block on the page (a malformed block would otherwise go unchecked)', () => {
    expect(goldenBlockCount).toBeGreaterThan(0);
    expect(goldenFrames.length).toBe(goldenBlockCount);
  });

  it('has the required frames, unique names, and every envelope', () => {
    const names = goldenFrames.map((golden) => golden.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of required) expect(names, name).toContain(name);
    expect(new Set(goldenFrames.map((golden) => golden.json.envelope))).toEqual(
      new Set(['bare', 'reliable', 'expiring']),
    );
  });

  for (const golden of goldenFrames) {
    describe(golden.name, () => {
      it('writes its hex as lower-case byte pairs', () => {
        expect(golden.hex).toMatch(/^[0-9a-f]{2}( [0-9a-f]{2})*$/);
      });

      it('encodes to exactly the documented bytes', () => {
        expect(toHex(encodeGolden(golden.json))).toBe(golden.hex);
      });

      it('decodes back to exactly the documented message', () => {
        const { envelope, seq, ttlMs, kind, body } = golden.json;
        expect(decodeFrame(fromHex(golden.hex), acceptedFor(golden.direction))).toStrictEqual({
          envelope,
          ...(envelope === 'bare' ? {} : { seq }),
          ...(envelope === 'expiring' ? { ttlMs } : {}),
          message: { kind, body },
        });
      });

      if (golden.direction !== 'either') {
        it('is refused by the side it does not travel to', () => {
          const wrongSide =
            golden.direction === 'client-to-server' ? serverToClientKinds : clientToServerKinds;
          try {
            decodeFrame(fromHex(golden.hex), wrongSide);
            expect.unreachable();
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
            expect((error as ProtocolError).code).toBe(ErrorCode.UNKNOWN_KIND);
          }
        });
      }
    });
  }
});

describe('docs/protocol.md keeps up with the code', () => {
  it(`names the protocol version, ${PROTOCOL_VERSION}`, () => {
    expect(protocolDoc).toMatch(new RegExp(`^# .*version ${PROTOCOL_VERSION}\\b`, 'm'));
  });

  it('documents every message kind: a table row with its hex number and name', () => {
    for (const [name, kind] of Object.entries(Kind)) {
      expect(
        kindRow(name, kind),
        `add a row "| ${hexOf(kind)} | ${name} | ..." to docs/protocol.md`,
      ).toBeDefined();
    }
  });

  it('gives every kind the direction the code accepts it in', () => {
    for (const [name, kind] of Object.entries(Kind)) {
      const direction = kindRow(name, kind)?.[2];
      const toServer = clientToServerKinds.has(kind);
      const toClient = serverToClientKinds.has(kind);
      const expected =
        toServer && toClient
          ? 'both'
          : toServer
            ? 'client -> server'
            : toClient
              ? 'server -> client'
              : 'both'; // the envelopes: not kinds of their own, they carry either side's messages
      expect(direction, `${name}`).toBe(expected);
    }
  });

  it('documents every error code with its close code', () => {
    for (const code of allErrorCodes()) {
      expect(protocolDoc, `add a row "| ${closeCodeFor(code)} | ${code} | ..." to docs/protocol.md`).toMatch(
        new RegExp(`^\\|\\s*${closeCodeFor(code)}\\s*\\|\\s*${code}\\s*\\|`, 'm'),
      );
    }
  });
});
