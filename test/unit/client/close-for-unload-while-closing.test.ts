import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, type ProtocolError } from '../../../src/protocol/index.js';
import { closingWithMessagesHeldBack } from './fakes/closing-client.js';

const turns = async (n = 10) => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** Whether `promise` has settled after a few turns (the test's clock never moves on its own). */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await turns();
  return settled;
}

afterEach(() => vi.unstubAllGlobals());

describe('closeForUnload() while a close() is still writing what it held back', () => {
  it('closes at once, beacon sent, rather than wait out the first close', async () => {
    const beacons: string[] = [];
    vi.stubGlobal('navigator', {
      sendBeacon: (url: string) => {
        beacons.push(url);
        return true;
      },
    });
    const { client, clock, closing, server } = await closingWithMessagesHeldBack();
    const errors: ProtocolError[] = [];
    client.on('error', (error) => errors.push(error));
    expect(client.state).toBe('open'); // still writing, for up to 3 s

    expect(client.closeForUnload()).toBe(true);
    expect(beacons).toHaveLength(1);
    expect(client.state).toBe('closed');
    expect(server.socket?.readyState).toBe(3);
    // The first close settles too, with what could not be written.
    expect(await settledSoon(closing)).toBe(true);
    expect(await closing).toBeGreaterThan(0);
    expect(errors.map((error) => error.code)).toEqual([ErrorCode.NOT_CONNECTED]);

    // The first close's retries are over: nothing more happens when its deadline passes.
    clock.advance(5_000);
    await turns();
    expect(errors).toHaveLength(1);
    expect(client.state).toBe('closed');
  });

  it('a close with a shorter flushMs shortens the wait of the one under way', async () => {
    const { client, clock, closing } = await closingWithMessagesHeldBack();
    const sooner = client.close({ flushMs: 100 });
    clock.advance(99);
    expect(client.state).toBe('open');
    clock.advance(20);
    expect(client.state).toBe('closed');
    expect(await settledSoon(Promise.all([closing, sooner]))).toBe(true);
    expect(await sooner).toBe(await closing);
  });

  it('a close with a longer flushMs does not lengthen it', async () => {
    const { client, clock } = await closingWithMessagesHeldBack();
    const later = client.close({ flushMs: 60_000 });
    clock.advance(3_010);
    expect(client.state).toBe('closed');
    expect(await settledSoon(later)).toBe(true);
  });
});
