import type { Client } from 'vehikill-net/client';
import { ErrorCode, Kind } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawClient } from '../support/raw-client.js';
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * Malformed frames on a player's server link in TCP mode (DatagramToServer over the WebSocket, where
 * WebRTC cannot be had) cost the sender what they cost on the direct link (server-link-direct-abuse,
 * server-link-direct-cutoff): a frame on `dispatch` that is no dispatch frame is a BAD_FRAME fault, and
 * a sender that keeps sending them is cut off with TOO_MANY_ERRORS naming it, while its room plays on.
 */

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Sends `count` DatagramToServer frames on dispatch that hold no dispatch frame, 50 a second. */
async function sendGarbage(raw: RawClient, count: number): Promise<void> {
  for (let n = 0; n < count && raw.closeCode === undefined; n++) {
    raw.send(Kind.DatagramToServer, { c: 2, p: [new Uint8Array([0xff, n & 0xff, 0, 7])] });
    await sleep(20);
  }
}

describe('garbage on the server link in TCP mode', () => {
  it('each malformed dispatch frame is a fault; enough of them end the session; the room plays on', async () => {
    t = await startServer({ test: TestRoom }, { serverLink: { enabled: false } });
    const honest: Client = t.client({ serverLink: 'off' });
    const drops: unknown[] = [];
    honest.on('drop', (drop) => drops.push(drop));
    await honest.connect();
    const room = await honest.create('test');
    const raw = await rawMember(t, room.roomId);
    const metrics = t.server.metrics as CountingMetrics;

    // Far under every rate (the link's 240 a second, the socket's 120): what cuts it off is the garbage.
    await sendGarbage(raw, 100);
    await raw.closed;
    const notices = raw.received(Kind.Error);
    expect(notices.at(-1)?.code).toBe(ErrorCode.TOO_MANY_ERRORS);
    expect(notices.at(-1)?.message).toContain(ErrorCode.BAD_FRAME);
    // Counted as the direct link counts it: a bad frame of the link's, and the sender's bad input.
    const badFrames = metrics.total('server_link_rejected_total', { reason: 'bad-frame' });
    expect(badFrames).toBeGreaterThan(20); // the budget of 20, and what refilled meanwhile
    expect(metrics.total('bad_input_total', { code: ErrorCode.BAD_FRAME })).toBe(badFrames);
    expect(metrics.total('connections_cut_total', { code: ErrorCode.TOO_MANY_ERRORS })).toBe(1);

    // The other player is untouched: still connected, still served by the room.
    const echoed: unknown[] = [];
    room.onMessage('echo', (data) => echoed.push(data));
    room.send('echo', 'still here');
    await eventually(() => echoed.length === 1, 'the echo');
    expect(drops).toEqual([]);
    expect(honest.state).toBe('open');
  });
});
