import { RTCPeerConnection } from 'node-datachannel/polyfill';
import type { Client, ClientOptions } from 'vehikill-net/client';
import { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/**
 * A direct server link comes up at its first attempt. On loopback a client's ICE check used to outrun its
 * answer's trip through the WebSocket: the server's ICE came up before it had the answer, its DTLS handshake
 * had no fingerprint to check the client's certificate against, and the attempt failed (counted as a bad
 * answer, retried after a backoff, given up after `maxFailedAttempts`): about one attempt in three.
 */
const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

const PLAYERS = 30;
const OUTCOMES = ['direct', 'no-answer', 'bad-answer', 'timeout', 'failed', 'abandoned'];

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a direct server link', () => {
  it(`comes up at its first attempt for each of ${PLAYERS} players connecting at once`, async () => {
    const metrics = new CountingMetrics();
    // Eight handshakes at a time (all players come from one address here): the busier the server's loop,
    // the later it read an answer, and the likelier the race was lost.
    t = await startServer(
      {},
      { metrics, serverLink: { bindAddress: '127.0.0.1', maxHandshakesPerAddress: 8 } },
    );
    const server = t;
    const clients: Client[] = Array.from({ length: PLAYERS }, () => server.client({ serverLink: nodeRtc }));
    await Promise.all(clients.map((client) => client.connect()));
    await eventually(
      () => clients.every((client) => client.serverLink.path === 'direct'),
      'every link direct',
      30_000,
    );
    const outcomes = () =>
      Object.fromEntries(
        OUTCOMES.map((outcome) => [outcome, metrics.total('server_link_attempts_total', { outcome })]),
      );
    // A client can see its path open a moment before the server's end does, which counts the outcome.
    await eventually(() => outcomes().direct === PLAYERS, 'every outcome counted', 5_000).catch(() => {});
    expect(outcomes()).toEqual({ ...Object.fromEntries(OUTCOMES.map((o) => [o, 0])), direct: PLAYERS });
  }, 60_000);
});
