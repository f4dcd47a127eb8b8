import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/index.js';
import { closingWithMessagesHeldBack } from './fakes/closing-client.js';

const turns = async (n = 10) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

describe('connect() while close() is still writing what it held back', () => {
  it('connects anew once that close is done, rather than resolve at once and then be closed', async () => {
    const { client, clock, closing } = await closingWithMessagesHeldBack();
    let connected = false;
    const connecting = client.connect().then(() => {
      connected = true;
    });
    await turns();
    // Resolved here, it was the closing session's: the client was closed a moment later.
    expect(connected).toBe(false);
    clock.advance(3_000);
    expect(await closing).toBeGreaterThan(0);
    await connecting;
    expect(client.state).toBe('open');
    expect(client.playerId).toBe('aaaaaaaa02');
  });

  it('rejects NOT_CONNECTED when close() is called again before that close is done', async () => {
    const { client, clock } = await closingWithMessagesHeldBack();
    const connecting = client.connect().catch((error: unknown) => error);
    await turns();
    const closingAgain = client.close();
    clock.advance(3_000);
    await closingAgain;
    expect(await connecting).toMatchObject({ code: ErrorCode.NOT_CONNECTED });
    expect(client.state).toBe('closed');
  });
});
