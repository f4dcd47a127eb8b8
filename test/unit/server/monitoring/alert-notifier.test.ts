import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GameServer, ManualClock, ServerMonitoring } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';

const webhook = 'http://127.0.0.1:9/alerts';

describe('the alert webhook timeout', () => {
  it('is refused at construction when no webhook call could ever keep to it', () => {
    // Each was accepted, then every webhook call failed at once (AbortSignal.timeout wants whole ms),
    // which showed only in a log line at the first alert.
    for (const webhookTimeoutMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32]) {
      expect(
        () => new GameServer({ alertWebhookUrl: webhook, alerts: { webhookTimeoutMs } }),
        String(webhookTimeoutMs),
      ).toThrow(TypeError);
    }
  });

  it('takes a whole number of ms', () => {
    expect(
      () => new GameServer({ alertWebhookUrl: webhook, alerts: { webhookTimeoutMs: 200 } }),
    ).not.toThrow();
  });
});

describe('an alert webhook URL with credentials', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('sends them as Basic authorization (fetch refuses such a URL) and never logs them', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const seen: (string | undefined)[] = [];
    const receiver: Server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      res.end('ok');
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const clock = new ManualClock(1_700_000_000_000);
    const monitoring = new ServerMonitoring({
      sink: { count() {}, observe() {} },
      clock,
      nodeId: 'n1',
      secure: false,
      trustProxy: 0,
      options: {
        analytics: false,
        // What hosted alert receivers hand out; percent-escapes stand for the characters themselves.
        alertWebhookUrl: `http://alert%20bot:s%3Acret-pw@127.0.0.1:${port}/hook`,
        alerts: {
          defaults: false,
          rules: [{ name: 'no-rooms', series: 'rooms', condition: 'below', threshold: 1 }],
        },
      },
    });
    await monitoring.start({ connections: 0, sessions: 0, rooms: () => [], players: () => [] });
    clock.advance(1_000);
    expect(monitoring.alerts.active).toHaveLength(1);
    await monitoring.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    expect(seen).toEqual([`Basic ${Buffer.from('alert bot:s:cret-pw').toString('base64')}`]);
    expect(warn.mock.calls.flat().join('\n')).not.toContain('cret-pw');
  });

  it('is refused at construction when its credentials cannot be decoded', () => {
    expect(() => new GameServer({ alertWebhookUrl: 'http://bot:%zz@127.0.0.1:9/hook' })).toThrow(TypeError);
  });
});
