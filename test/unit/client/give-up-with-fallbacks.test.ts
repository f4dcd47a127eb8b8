import { Client } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';

/** Every socket made, by URL: each fails at once, as an unreachable server's would. */
const opened: string[] = [];

class UnreachableSocket {
  binaryType = 'arraybuffer';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(url: string) {
    opened.push(new URL(url).host);
    queueMicrotask(() => {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006, reason: '' });
    });
  }
  send(): void {}
  close(): void {}
}

describe('maxReconnectAttempts with fallback entry points', () => {
  it('gives up after that many failed attempts in a row, failovers included', async () => {
    opened.length = 0;
    const client = new Client({
      url: 'ws://a.example/ws',
      fallbackUrls: ['ws://b.example/ws'],
      failoverAfterAttempts: 2,
      maxReconnectAttempts: 5,
      token: 'token',
      WebSocket: UnreachableSocket as never,
      device: false,
      serverLink: 'off',
      backoff: { baseMs: 0, maxMs: 0 },
    });
    const moves: string[] = [];
    client.on('moved', ({ url }) => moves.push(url));
    const closed = new Promise<{ code: string; message: string }>((resolve) => client.on('closed', resolve));
    const connecting = client.connect().then(
      () => 'open',
      (error: unknown) => error,
    );
    // It moved between the two entry points for ever, never giving up: connect() never settled.
    const outcome = await Promise.race([
      closed,
      new Promise<string>((resolve) => setTimeout(() => resolve('still trying after 2 s'), 2_000)),
    ]);
    if (client.state !== 'closed') void client.close();
    expect(outcome).toMatchObject({ code: 'GAVE_UP', message: 'no connection after 5 attempts' });
    expect(await connecting).toMatchObject({ code: 'NODE_UNREACHABLE' });
    // The first attempt and five more, the failover's among them: two more at one entry point, then the next.
    expect(opened).toEqual(['a.example', 'a.example', 'a.example', 'b.example', 'b.example', 'b.example']);
    expect(moves).toEqual(['ws://b.example/ws']);
  });
});
