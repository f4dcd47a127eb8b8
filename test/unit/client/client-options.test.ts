import { Client, type ClientOptions } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { RecordingSocket } from '../../support/recording-socket.js';

function construct(options: Partial<ClientOptions>): Client {
  return new Client({
    url: 'ws://127.0.0.1:1/ws',
    token: 't',
    WebSocket: RecordingSocket as never,
    ...options,
  });
}

describe('Client options', () => {
  it.each([
    ['failoverAfterAttempts', { failoverAfterAttempts: Number.NaN }, 'an integer of at least 1'],
    ['failoverAfterAttempts', { failoverAfterAttempts: 0 }, 'an integer of at least 1'],
    [
      'maxReconnectAttempts',
      { maxReconnectAttempts: 2.5 },
      'an integer of at least 0 \\(0: give up at the first failure\\), or Infinity',
    ],
    ['outboxMessages', { outboxMessages: 0 }, 'an integer of at least 1'],
    ['outboxBytes', { outboxBytes: -1 }, 'an integer of at least 1'],
    ['ackEvery', { ackEvery: Number.POSITIVE_INFINITY }, 'an integer of at least 1'],
    ['connectTimeoutMs', { connectTimeoutMs: Number.NaN }, 'a finite number above 0'],
    ['deadServerTimeoutMs', { deadServerTimeoutMs: 0 }, 'a finite number above 0'],
    ['ackDelayMs', { ackDelayMs: -5 }, 'a finite number of at least 0'],
    ['backoff.baseMs', { backoff: { baseMs: Number.NaN } }, 'a finite number of at least 0'],
    ['backoff.maxMs', { backoff: { maxMs: '100' as never } }, 'a finite number of at least 0'],
  ])('refuses a bad %s at construction, naming it', (name, options, wanted) => {
    expect(() => construct(options)).toThrow(new RegExp(`^Client option '${name}' must be ${wanted}, got`));
  });

  it('refuses a backoff, random or token of the wrong kind, which broke the first reconnect', () => {
    // Each used to construct, then throw out of the socket's close handler at the first failed attempt:
    // the client stayed 'connecting' for ever, and connect() never settled.
    expect(() => construct({ backoff: null as never })).toThrow(/^Client option 'backoff' must be an object/);
    expect(() => construct({ random: 0.5 as never })).toThrow(/^Client option 'random' must be a function/);
    expect(() => construct({ token: 42 as never })).toThrow(
      /^Client option 'token' must be a string or a function/,
    );
  });

  it('refuses a resumeToken that is no string (an object from storage read wrongly)', () => {
    expect(() => construct({ resumeToken: { token: 'x' } as never })).toThrow(
      /^Client option 'resumeToken' must be a string/,
    );
    expect(() =>
      construct({ resumeToken: 'any string: the server, or the client, refuses it' }),
    ).not.toThrow();
  });

  it('refuses an ackDelayMs longer than a timer can wait with a RangeError, naming it', () => {
    // Past 2^31 - 1 ms a timer takes the delay as 0 or 1 ms (a clock of the app's own passing it on), or the
    // built-in clock waits it out in steps: the last few messages of a quiet stream would never be acked.
    for (const ackDelayMs of [2 ** 31, 1e12]) {
      expect(() => construct({ ackDelayMs })).toThrow(RangeError);
      expect(() => construct({ ackDelayMs })).toThrow(
        `Client option 'ackDelayMs' must be a number of ms in 0..${2 ** 31 - 1} (what a timer can wait), got ${ackDelayMs}`,
      );
    }
    construct({ ackDelayMs: 2 ** 31 - 1 }).close();
  });

  it('refuses a url or fallback that is not a WebSocket URL, and an unknown server link mode', () => {
    expect(() => construct({ url: 'https://game.example/ws' })).toThrow(/'url' must be a ws: or wss: URL/);
    expect(() => construct({ url: 'game.example:8080' })).toThrow(/'url' must be a ws: or wss: URL/);
    expect(() => construct({ fallbackUrls: 'ws://b/ws' as never })).toThrow(
      /'fallbackUrls' must be an array/,
    );
    expect(() => construct({ fallbackUrls: ['ws://b/ws', 'b:8080'] })).toThrow(/'fallbackUrls' must hold/);
    expect(() => construct({ serverLink: 'required' as never })).toThrow(/'serverLink' mode must be one of/);
    expect(() => construct({ serverLink: { mode: 'on' as never } })).toThrow(
      /'serverLink' mode must be one of/,
    );
    for (const directQuietMs of [0, -1, Number.NaN, '1500' as never]) {
      expect(() => construct({ serverLink: { directQuietMs } })).toThrow(
        /'serverLink.directQuietMs' must be/,
      );
    }
    for (const directDeadMs of [0, Number.POSITIVE_INFINITY, '4000' as never]) {
      expect(() => construct({ serverLink: { directDeadMs } })).toThrow(/'serverLink.directDeadMs' must be/);
    }
    construct({ serverLink: { directQuietMs: Number.POSITIVE_INFINITY, directDeadMs: 2_500 } }).close();
  });

  it('takes the values the docs show, and Infinity attempts', () => {
    // No retries at all, at once: what a bench or a kiosk may want.
    construct({ maxReconnectAttempts: 0, backoff: { baseMs: 0, maxMs: 0 } }).close();
    const client = construct({
      fallbackUrls: ['wss://b.example/ws'],
      failoverAfterAttempts: 3,
      maxReconnectAttempts: Number.POSITIVE_INFINITY,
      ackDelayMs: 0,
      backoff: { baseMs: 100, maxMs: 5_000 },
      serverLink: { mode: 'off' },
    });
    client.close();
  });
});
