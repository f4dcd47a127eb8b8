import * as v from 'valibot';
import { ErrorCode } from 'vehikill-net/protocol';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TimerLogClock } from '../support/timer-log-clock.js';

// A room may keep itself while empty (a lobby that stays listed), go sooner or later than the server's
// `emptyDisposeMs`, and set its own idle limit (a turn-based table): `setEmptyDisposeMs`,
// `setIdleDisposeMs`.

/** Used by no other timer of the server, so the clock's log finds the server's empty-room timer by it. */
const SERVER_EMPTY_MS = 43_210;

/** Keeps itself while empty, until a member asks it to go back to a wait of `ms` once empty. */
class Lobby extends Room {
  override onCreate(): void {
    this.setEmptyDisposeMs(Number.POSITIVE_INFINITY);
    this.onMessage('wait-when-empty', v.number(), (_client, ms) => {
      // Set a moment after the last member has left: the wait starts again with it.
      this.clock.setTimeout(() => this.setEmptyDisposeMs(ms), 100);
    });
  }
}

/** Goes as soon as it empties. */
class Duel extends Room {
  override onCreate(): void {
    this.setEmptyDisposeMs(0);
  }
}

/** Never disposed as idle: its players think as long as they like. */
class Table extends Room {
  override onCreate(): void {
    this.setIdleDisposeMs(Number.POSITIVE_INFINITY);
  }
}

class Plain extends Room {}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe("a room's own disposal delays", () => {
  it('setEmptyDisposeMs(Infinity): kept and listed while empty, joined again; a new wait once set', async () => {
    const clock = new TimerLogClock();
    t = await startServer({ lobby: Lobby, plain: Plain }, { clock, emptyDisposeMs: SERVER_EMPTY_MS });
    const ada = t.client();
    const bo = t.client();
    await Promise.all([ada.connect(), bo.connect()]);
    const lobby = await ada.create('lobby');
    const plain = await bo.create('plain');
    await lobby.leave();
    await plain.leave();
    // The plain room waits on the server's timer; the lobby on none.
    await eventually(() => clock.pending(SERVER_EMPTY_MS) === 1, 'the plain room waits');
    const listed = await ada.listRooms({ type: 'lobby' });
    expect(listed.map((room) => room.roomId)).toEqual([lobby.roomId]);
    // Joined again while empty, and left again with a wait of 200 ms to go back to.
    const again = await ada.join(lobby.roomId);
    again.send('wait-when-empty', 200);
    await again.leave();
    await eventually(() => t!.server.rooms.roomCount === 1, 'the lobby goes once its new wait is over');
    expect(await ada.listRooms({ type: 'lobby' })).toEqual([]);
  });

  it('setEmptyDisposeMs(0): gone as its last member leaves, with the server waiting long', async () => {
    t = await startServer({ duel: Duel }, { emptyDisposeMs: SERVER_EMPTY_MS });
    const ada = t.client();
    await ada.connect();
    const duel = await ada.create('duel');
    await duel.leave();
    await eventually(() => t!.server.rooms.roomCount === 0, 'the duel is gone');
  });

  it('setIdleDisposeMs(Infinity): kept with a silent member where the server disposes idle rooms', async () => {
    t = await startServer({ table: Table, plain: Plain }, { idleDisposeMs: 300 });
    const ada = t.client();
    const bo = t.client();
    await Promise.all([ada.connect(), bo.connect()]);
    const table = await ada.create('table');
    const plain = await bo.create('plain');
    const plainLeft: string[] = [];
    plain.on('leave', ({ reason }) => plainLeft.push(reason));
    // The plain room, as idle as the table, goes at a check; the table is still there after it.
    await eventually(() => plainLeft.length === 1, 'the plain room disposed as idle', 3_000);
    expect(plainLeft).toEqual([ErrorCode.ROOM_DISPOSED]);
    expect(table.left).toBe(false);
    expect(ada.room).toBe(table);
  });

  it('refuses values that cannot be a wait, with a RangeError naming the option', () => {
    const room = new Plain();
    for (const bad of [-1, Number.NaN, '10' as unknown as number]) {
      expect(() => room.setEmptyDisposeMs(bad)).toThrow(/emptyDisposeMs must be a number of ms >= 0/);
    }
    for (const bad of [0, -5, Number.NaN]) {
      expect(() => room.setIdleDisposeMs(bad)).toThrow(/idleDisposeMs must be a number of ms above 0/);
    }
    room.setEmptyDisposeMs(undefined);
    room.setIdleDisposeMs(undefined);
    expect(room.emptyDisposeMs).toBeUndefined();
    expect(room.idleDisposeMs).toBeUndefined();
  });
});
