import { ErrorCode } from 'vehikill-net/protocol';
import { CountingMetrics, type GameServerOptions, ManualClock } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function serve(options: GameServerOptions): Promise<{ t: TestServer; metrics: CountingMetrics }> {
  const metrics = new CountingMetrics();
  t = await startServer({ room: TestRoom }, { metrics, ...options });
  return { t, metrics };
}

/** POST /auth/guest, as through one reverse proxy saying the client is at `address` (when given). */
async function askForToken(
  server: TestServer,
  address?: string,
): Promise<{ status: number; body: Record<string, unknown>; retryAfter: string | null }> {
  const response = await fetch(`${server.httpUrl}/auth/guest`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(address === undefined ? {} : { 'x-forwarded-for': address }),
    },
    body: '{}',
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    retryAfter: response.headers.get('retry-after'),
  };
}

describe('guest tokens per address', () => {
  it('mints guestTokenBurst at once, then refuses with 429 RATE_LIMITED and Retry-After until the rate refills', async () => {
    const clock = new ManualClock(1_000_000);
    const { t, metrics } = await serve({ guestTokenBurst: 3, guestTokensPerSecond: 0.5, clock });
    for (let i = 0; i < 3; i++) expect((await askForToken(t)).status).toBe(200);
    const refused = await askForToken(t);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      code: ErrorCode.RATE_LIMITED,
      message: 'too many guest tokens asked for from your address',
    });
    expect(refused.retryAfter).toBe('2');
    expect(metrics.total('guest_tokens_refused_total')).toBe(1);
    clock.advance(2_000);
    expect((await askForToken(t)).status).toBe(200);
    expect((await askForToken(t)).status).toBe(429);
  });

  it('counts each address on its own (trustProxy), and leaves preflights alone', async () => {
    const { t } = await serve({ trustProxy: 1, guestTokenBurst: 1, guestTokensPerSecond: 0.01 });
    expect((await askForToken(t, '203.0.113.1')).status).toBe(200);
    expect((await askForToken(t, '203.0.113.1')).status).toBe(429);
    expect((await askForToken(t, '198.51.100.1')).status).toBe(200);
    const preflight = await fetch(`${t.httpUrl}/auth/guest`, {
      method: 'OPTIONS',
      headers: { origin: 'https://game.example', 'x-forwarded-for': '203.0.113.1' },
    });
    expect(preflight.status).toBe(204);
  });

  it('by default, lets a household reload and open tabs many times over', async () => {
    const { t, metrics } = await serve({});
    const statuses = await Promise.all(Array.from({ length: 64 }, () => askForToken(t)));
    expect(statuses.every((answer) => answer.status === 200)).toBe(true);
    expect(metrics.total('guest_tokens_refused_total')).toBe(0);
  });

  it('rejects a guestTokenBurst below 1 and a guestTokensPerSecond of 0', async () => {
    await expect(serve({ guestTokenBurst: 0 })).rejects.toThrow(/guestTokenBurst/);
    await expect(serve({ guestTokensPerSecond: 0 })).rejects.toThrow(/guestTokensPerSecond/);
  });
});
