import { ErrorCode } from 'vehikill-net/protocol';
import { GameServer } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { onUpgradeRefused } from '../support/upgrade-refusal.js';

let server: GameServer | undefined;
afterEach(async () => {
  await server?.close({ drainMs: 0 });
  server = undefined;
  vi.restoreAllMocks();
});

/** The HTTP status and body an upgrade was refused with, or what happened instead within `waitMs`. */
function upgradeOutcome(url: string, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      resolve('no answer');
    }, waitMs);
    ws.on('error', () => {});
    ws.on('open', () => {
      clearTimeout(timer);
      ws.terminate();
      resolve('opened');
    });
    onUpgradeRefused(ws, (status, body) => {
      clearTimeout(timer);
      resolve(`${status} ${body}`);
    });
  });
}

describe('an app authenticator that never answers', () => {
  it('refuses the upgrade after authTimeoutMs, and the server still closes', async () => {
    server = new GameServer({
      authTimeoutMs: 200,
      authenticator: { authenticate: () => new Promise(() => {}) },
    });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { wsUrl } = await server.listen(0);
    // The socket was held for as long as the authenticator took: for good, its address slot with it, and
    // `close()` waited on it (the upgraded socket is the HTTP server's no more, and nothing reads it).
    const outcome = await upgradeOutcome(`${wsUrl}?token=x`, 3_000);
    expect(outcome).toMatch(/^500 /);
    expect(JSON.parse(outcome.slice(4))).toMatchObject({ code: ErrorCode.INTERNAL_ERROR });
    expect(String(logged.mock.calls[0]?.[1])).toContain('did not answer within 200 ms');
    const closing = server.close({ drainMs: 0 }).then(() => 'closed');
    expect(await Promise.race([closing, new Promise((r) => setTimeout(() => r('close hung'), 3_000))])).toBe(
      'closed',
    );
    server = undefined;
  });

  it('is an option checked like the others', () => {
    expect(() => new GameServer({ authTimeoutMs: 0 })).toThrow(/authTimeoutMs/);
  });
});
