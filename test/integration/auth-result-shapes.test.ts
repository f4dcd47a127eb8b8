import { closeCodeFor, decodeFrame, ErrorCode, Kind, serverToClientKinds } from 'vehikill-net/protocol';
import type { Authenticator } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type TestServer } from '../support/server.js';
import { onUpgradeRefused } from '../support/upgrade-refusal.js';

// What an app's authenticator written in JavaScript can answer, typed or not. Each must end the upgrade
// with an answer the client reads: never a TypeError after the 101, whose 500 was then written into the
// WebSocket stream (read as a bad frame: the client retried for ever).

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
  vi.restoreAllMocks();
});

/** How an upgrade ended: an HTTP refusal's status and code, or the Error frame and close code after it. */
function upgradeOutcome(url: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('no answer');
    }, 3_000);
    const said: string[] = [];
    ws.on('error', (error) => said.push(`error ${error.message}`));
    ws.on('message', (data: Buffer) => {
      try {
        const { message } = decodeFrame(new Uint8Array(data), serverToClientKinds);
        if (message.kind === Kind.Error) said.push(`${message.body.code} '${message.body.message}'`);
      } catch {
        said.push('a frame no client can read');
      }
    });
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve(`${said.join(', ')} closed ${code}`);
    });
    onUpgradeRefused(ws, (status, body) => {
      clearTimeout(timer);
      resolve(`${status} ${JSON.parse(body).code}`);
    });
  });
}

const refusedWith = (code: ErrorCode, message: string) => `${code} '${message}' closed ${closeCodeFor(code)}`;
const REFUSED_AS_FAULT = `500 ${ErrorCode.INTERNAL_ERROR}`;

async function outcomeOf(answer: () => unknown): Promise<string> {
  const authenticator = { authenticate: async () => answer() } as unknown as Authenticator;
  t = await startServer({}, { authenticator });
  return upgradeOutcome(`${t.wsUrl}?token=x`);
}

describe("an app authenticator's answer of the wrong shape", () => {
  it.each([
    ['a number', 42, '42'],
    ['undefined (the message of a thrown non-Error)', undefined, ''],
    ['an Error', new Error('no such user'), 'no such user'],
    ['a plain object', { text: 'no' }, ''],
  ])(
    'a refusal whose message is %s is still the refusal, its message made text',
    async (_what, message, said) => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
      expect(await outcomeOf(() => ({ ok: false, code: ErrorCode.UNAUTHORIZED, message }))).toBe(
        refusedWith(ErrorCode.UNAUTHORIZED, said),
      );
      expect(logged).not.toHaveBeenCalled();
    },
  );

  it.each([
    ['nothing', () => undefined],
    ['null', () => null],
    ['a refusal with a code not on the wire', () => ({ ok: false, code: 'FORBIDDEN', message: 'no' })],
    ['a refusal with no code', () => ({ ok: false, message: 'no' })],
    ['an acceptance with no identity', () => ({ ok: true })],
    [
      'an acceptance whose name cannot be made text',
      () => ({ ok: true, identity: { userId: 'u1', name: Object.create(null) } }),
    ],
    [
      'an acceptance whose identity.data is no plain object',
      () => ({ ok: true, identity: { userId: 'u1', name: 'Ada', data: ['admin'] } }),
    ],
    [
      'a thrown non-Error',
      () => {
        throw 'the identity service broke';
      },
    ],
  ])('%s is a fault of the app: 500 INTERNAL_ERROR, logged once', async (_what, answer) => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await outcomeOf(answer)).toBe(REFUSED_AS_FAULT);
    expect(logged).toHaveBeenCalledTimes(1);
    expect(logged.mock.calls[0]?.[0]).toBe('vehikill-net: upgrade failed');
  });
});
