import type { Socket } from 'node:net';
import { closeCodeFor, ErrorCode, Kind } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** A room whose listing is as large as metadata allows (16 entries of 128 characters, ~2.3 KB). */
class ListedRoom extends TestRoom {
  override onCreate(options: unknown): void {
    super.onCreate(options);
    const metadata: Record<string, string> = {};
    for (let i = 0; i < 16; i++) metadata[`k${i}`] = 'x'.repeat(128);
    this.setMetadata(metadata);
  }
}

const ROOMS = 10;
/** Requests the flooder may send: ~23 KB answers, ~70 MB in all, far more than loopback buffers hold. */
const REQUESTS = 3_000;
const SEND_QUEUE_BYTES = 64 * 1024;
const OUTBOX_BYTES = 64 * 1024;

let t: TestServer;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  await t?.close();
});

describe('a client that never reads its socket', () => {
  it('is cut off with OUTBOX_OVERFLOW once its answers fill what may wait; its room goes on', async () => {
    t = await startServer(
      { listed: ListedRoom },
      // The rate limit out of the way: only what waits to be read stops the flood.
      {
        rateBurst: 100_000,
        ratePerSecond: 100_000,
        sendQueueBytes: SEND_QUEUE_BYTES,
        outboxBytes: OUTBOX_BYTES,
      },
    );
    const metrics = t.server.metrics as CountingMetrics;
    const owners = Array.from({ length: ROOMS }, () => t.client());
    await Promise.all(owners.map((owner) => owner.connect()));
    const rooms = await Promise.all(owners.map((owner) => owner.create('listed')));
    const alice = owners[0]!;
    const aliceRoom = rooms[0]!;
    const drops: number[] = [];
    alice.on('drop', ({ code }) => drops.push(code));
    const heard: string[] = [];
    aliceRoom.onMessage('chat', (data) => heard.push((data as { text: string }).text));

    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('reader-of-nothing'));
    raws.push(raw);
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    raw.send(Kind.JoinRoom, { rid: 1, roomId: aliceRoom.roomId });
    await eventually(() => raw.received(Kind.Response).length === 1, 'joined');
    raw.send(Kind.ListRooms, { rid: 2, includeFull: true });
    await eventually(() => raw.received(Kind.Response).length === 2, 'one listing read');
    const listing = raw.received(Kind.Response).find((response) => response.rid === 2);
    expect(listing?.ok && (listing.result as { rooms: unknown[] }).rooms).toHaveLength(ROOMS);

    // From here on it reads nothing, and keeps asking for the listing (and chatting to the room).
    (raw.socket as unknown as { _socket: Socket })._socket.pause();
    const cut = () => metrics.total('connections_cut_total', { code: ErrorCode.OUTBOX_OVERFLOW }) > 0;
    let sent = 0;
    while (sent < REQUESTS && !cut()) {
      for (let i = 0; i < 10; i++) raw.send(Kind.ListRooms, { rid: 3 + sent++, includeFull: true });
      raw.send(Kind.ClientRoomMessage, { t: 'chat', d: { text: 'from the flooder' } });
      aliceRoom.send('chat', { text: `alice ${sent}` });
      await sleep(2);
    }
    expect(cut()).toBe(true);
    const sentBeforeCut = sent;
    // What still comes on the cut socket is not acted on.
    for (let i = 0; i < 100; i++) raw.send(Kind.ListRooms, { rid: 3 + sent++, includeFull: true });

    // Alice, in the same room, kept her socket and still hears the room.
    aliceRoom.send('chat', { text: 'still here' });
    await eventually(() => heard.includes('still here'), 'alice hears the room');
    expect(drops).toEqual([]);

    // Once it reads again: what the server held for it, then the close.
    (raw.socket as unknown as { _socket: Socket })._socket.resume();
    expect(await raw.closed).toBe(closeCodeFor(ErrorCode.OUTBOX_OVERFLOW));
    const answered = raw.received(Kind.Response).filter((response) => response.rid >= 3).length;
    expect(answered).toBeLessThanOrEqual(sentBeforeCut);
    // Written before the cut: what the kernel's loopback buffers took (a few MB) and at most
    // sendQueueBytes + outboxBytes more (plus one answer). Never the flood's ~70 MB.
    expect(answered * 23_000).toBeLessThan(24 * 1024 * 1024);
    for (const owner of owners) owner.close();
  }, 60_000);
});
