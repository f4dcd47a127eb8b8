import { GameServer } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';

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
