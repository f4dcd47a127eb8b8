import type { LeaveReason, RoomClient } from 'vehikill-net/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TimerLogClock } from '../support/timer-log-clock.js';
import { TestRoom } from './rooms-fixtures.js';

// A room that ends itself when a player leaves (a duel whose other side walked out, say): its own
// onLeave disposes it, and the leave that emptied it must not then start its empty-room timer.

/** Used by no other timer of the server, so the clock's log finds the empty-room timer by it. */
const EMPTY_DISPOSE_MS = 43_210;

class EndsOnLeave extends TestRoom {
  static disposed = 0;
  override onLeave(client: RoomClient, reason: LeaveReason): void {
    super.onLeave(client, reason);
    this.dispose();
  }
  override onDispose(): void {
    EndsOnLeave.disposed++;
  }
}

let t: TestServer | undefined;
beforeEach(() => {
  EndsOnLeave.disposed = 0;
});
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A server whose clock logs its timers, and a player alone in a room that ends on a leave. */
async function playerInRoom() {
  const clock = new TimerLogClock();
  t = await startServer({ duel: EndsOnLeave }, { clock, emptyDisposeMs: EMPTY_DISPOSE_MS });
  const client = t.client();
  await client.connect();
  const room = await client.create('duel');
  // The creator's seat ended the empty-room timer its creation started.
  expect(clock.pending(EMPTY_DISPOSE_MS)).toBe(0);
  return { clock, client, room, server: t };
}

describe('a room that disposes itself in onLeave', () => {
  it('on a leave that empties it: gone once, with no empty-room timer left behind', async () => {
    const { clock, room, server } = await playerInRoom();
    await room.leave();
    await eventually(() => server.server.rooms.roomCount === 0, 'the room is gone');
    expect(EndsOnLeave.disposed).toBe(1);
    expect(clock.pending(EMPTY_DISPOSE_MS)).toBe(0);
  });

  it('on a kick of its last member: the same', async () => {
    const { clock, client, room, server } = await playerInRoom();
    room.send('kick', client.playerId);
    await eventually(() => server.server.rooms.roomCount === 0, 'the room is gone');
    expect(EndsOnLeave.disposed).toBe(1);
    expect(clock.pending(EMPTY_DISPOSE_MS)).toBe(0);
  });
});
