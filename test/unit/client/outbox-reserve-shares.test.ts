import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, Kind, MAX_ROOM_REQUESTS_WAITING, MAX_SEQ_AHEAD } from '../../../src/protocol/index.js';
import { leaveAnswered } from './fakes/leave-answered.js';
import { seatedClient } from './fakes/seated-client.js';

const SELF = 'aaaaaaaa01';
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A seated client whose outbox (or sequence window) the test fills with room messages the server never
 * acks, answering each of the room's 'ready?' requests with a value as large as may take the reserve.
 */
async function fullOutbox(options: { outboxMessages: number; outboxBytes?: number }) {
  const seated = await seatedClient(SELF, 'bbbbbbbb02', options);
  const { room } = seated;
  room.onRequest('ready?', () => 'y'.repeat(200));
  let full = false;
  for (let n = 0; n <= MAX_SEQ_AHEAD && !full; n++) {
    try {
      room.send('chat', n);
    } catch (error) {
      expect(error).toMatchObject({ code: ErrorCode.OUTBOX_OVERFLOW });
      full = true;
    }
  }
  expect(full).toBe(true);
  /** The room asks `count` requests more, at most as many at once as it may have owed (none acked). */
  let nextQ = 1;
  const ask = async (count: number) => {
    for (let asked = 0; asked < count; asked += MAX_ROOM_REQUESTS_WAITING) {
      for (let i = 0; i < Math.min(MAX_ROOM_REQUESTS_WAITING, count - asked); i++) {
        seated.server.send(Kind.ServerRoomMessage, { roomId: 'room-1', t: 'ready?', q: nextQ++, w: 600_000 });
      }
      await flush();
    }
  };
  return { ...seated, ask };
}

describe("the outbox's reserve: answers to the room's requests take no more than their share", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  for (const [what, options] of [
    ['its limits', { outboxMessages: 4 }],
    ['the window of sequence numbers', { outboxMessages: 2 * MAX_SEQ_AHEAD, outboxBytes: 64 * 1024 * 1024 }],
  ] as const) {
    it(`a leave still goes after many answers past ${what}, which answers past their share cannot use up`, async () => {
      const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
      const { client, server, room, ask } = await fullOutbox(options);
      // More answers than an honest server leaves unacked: the server acks nothing meanwhile.
      await ask(4 * MAX_ROOM_REQUESTS_WAITING);
      const answered = server.receivedOf(Kind.RoomReply).length;
      expect(answered).toBeGreaterThan(0);
      expect(answered).toBeLessThan(4 * MAX_ROOM_REQUESTS_WAITING);
      expect(errors).toHaveBeenCalled(); // the answers past the share, each said
      expect(await leaveAnswered(room, server)).toBeUndefined();
      await client.close();
    });
  }
});
