import * as v from 'valibot';
import type { Client, RoomConnection } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import {
  type GameServerOptions,
  type LeaveReason,
  MAX_RECONNECTION_MS,
  Room,
  type RoomClient,
} from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { bothRegistries } from '../support/both-registries.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

// A room's own reconnection window (Colyseus's `allowReconnection(client, seconds)`): how long it holds a
// dropped player's seat, shorter or longer than the server's grace period, for the room
// (`setReconnectionMs`) or for one absence (`holdSeat`), against both registries.

interface HeldOptions {
  /** The room's `setReconnectionMs`, set in `onCreate`. */
  reconnectionMs?: number;
  /** `holdSeat(client, ms)` from `onAway`. */
  holdInOnAway?: number;
}

/** Holds its dropped players' seats as its creator asked; 'let-go' lets every away member go now. */
class Held extends Room {
  static last: Held | undefined;
  readonly leaves: Array<{ playerId: string; reason: LeaveReason }> = [];
  #holdInOnAway: number | undefined;

  override onCreate(options: unknown): void {
    Held.last = this;
    const given = (options ?? {}) as HeldOptions;
    if (given.reconnectionMs !== undefined) this.setReconnectionMs(given.reconnectionMs);
    this.#holdInOnAway = given.holdInOnAway;
    this.onMessage('let-go', v.unknown(), () => {
      for (const client of this.clients) if (client.away) this.holdSeat(client, 0);
    });
  }

  override onAway(client: RoomClient): void {
    if (this.#holdInOnAway !== undefined) this.holdSeat(client, this.#holdInOnAway);
  }

  override onLeave(client: RoomClient, reason: LeaveReason): void {
    this.leaves.push({ playerId: client.playerId, reason });
  }
}

let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await t?.close();
  await proxy?.close();
  t = undefined;
  proxy = undefined;
  Held.last = undefined;
});

const registries = bothRegistries('reconnection');

/** What the watcher hears of the other player: away, back and leave, in order. */
function presenceOf(room: RoomConnection): string[] {
  const presence: string[] = [];
  room.on('member-away', () => presence.push('away'));
  room.on('member-back', () => presence.push('back'));
  room.on('member-leave', ({ reason }) => presence.push(`leave ${reason}`));
  return presence;
}

/**
 * A watcher's room of `Held` created with `options`, and a player in it whose connection goes through a
 * proxy the test can cut (`proxy.block()`: the player is away until `unblock()`).
 */
async function heldRoom(
  registry: string,
  options: HeldOptions,
  serverOptions: GameServerOptions = {},
): Promise<{ server: TestServer; watched: RoomConnection; player: Client; playerRoom: RoomConnection }> {
  const server = await startServer({ held: Held }, { ...(await registries[registry]!()), ...serverOptions });
  t = server;
  proxy = new TcpProxy(server.port);
  await proxy.listen();
  const watcher = server.client();
  await watcher.connect();
  const watched = await watcher.create('held', { options });
  const player = server.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
  await player.connect();
  const playerRoom = await player.join(watched.roomId);
  return { server, watched, player, playerRoom };
}

/**
 * A room that holds its seats 10 minutes on a server whose grace period is 150 ms, and its player away for
 * `awayMs` (past that grace period: the server alone would have ended the session by then).
 */
async function heldPastGrace(registry: string, awayMs: number) {
  const held = await heldRoom(registry, { reconnectionMs: MAX_RECONNECTION_MS }, { graceMs: 150 });
  const presence = presenceOf(held.watched);
  proxy!.block();
  await eventually(() => presence.length === 1, 'the player away');
  await sleep(awayMs);
  return { ...held, presence };
}

/** The seats the registry counts in the room: the listing's `clients`. */
async function seatsListed(server: TestServer, roomId: string): Promise<number | undefined> {
  return (await server.server.registry.getRoom(roomId))?.clients;
}

/** Resolves once the registry counts `seats` in the room, polling; rejects with `what` after 5 s. */
async function untilSeatsListed(server: TestServer, roomId: string, seats: number, what: string) {
  const deadline = Date.now() + 5_000;
  while ((await seatsListed(server, roomId)) !== seats) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

describe.each(Object.keys(registries))("a room's own reconnection window, %s registry", (registry) => {
  it('shorter than graceMs: the player leaves the room when it runs out, and the session lives on', async () => {
    // The server holds sessions 30 s; the room holds its seats 150 ms.
    const { server, watched, player, playerRoom } = await heldRoom(registry, { reconnectionMs: 150 });
    const presence = presenceOf(watched);
    const left: Array<{ reason: string; message: string }> = [];
    playerRoom.on('leave', (leave) => left.push(leave));
    expect(await seatsListed(server, watched.roomId)).toBe(2);

    proxy!.block();
    await eventually(() => presence.length === 2, 'the player away, then out of the room');
    expect(presence).toEqual(['away', `leave ${ErrorCode.RECONNECTION_EXPIRED}`]);
    expect(Held.last?.leaves).toEqual([
      { playerId: player.playerId, reason: ErrorCode.RECONNECTION_EXPIRED },
    ]);
    // The seat is free in the registry, for anyone to take; the session is still held, away.
    await untilSeatsListed(server, watched.roomId, 1, 'the seat given back');
    expect(server.server.sessionCount).toBe(2);
    const stats = server.server.stats.players().find((each) => each.playerId === player.playerId);
    expect(stats).toMatchObject({ away: true, roomId: undefined });

    // Back within the grace period: the same session, whose room was left with the window's code.
    const reconnected = new Promise<boolean>((resolve) =>
      player.on('reconnect', ({ resumed }) => resolve(resumed)),
    );
    proxy!.unblock();
    expect(await reconnected).toBe(true);
    await eventually(() => left.length === 1, "the room's leave reaches the player");
    expect(left[0]).toMatchObject({ reason: ErrorCode.RECONNECTION_EXPIRED });
    expect(left[0]?.message).toMatch(/reconnection window/);
    expect(player.room).toBeUndefined();
    expect(player.state).toBe('open');
  });

  it('longer than graceMs: the session and the seat are held past it, and the player comes back in', async () => {
    const { server, watched, player, playerRoom, presence } = await heldPastGrace(registry, 700);
    expect(presence).toEqual(['away']);
    expect(server.server.sessionCount).toBe(2);
    expect(await seatsListed(server, watched.roomId)).toBe(2);
    const stats = server.server.stats.players().find((each) => each.playerId === player.playerId);
    expect(stats).toMatchObject({ away: true, roomId: watched.roomId });

    const reconnected = new Promise<boolean>((resolve) =>
      player.on('reconnect', ({ resumed }) => resolve(resumed)),
    );
    proxy!.unblock();
    expect(await reconnected).toBe(true);
    await eventually(() => presence.length === 2, 'the player back');
    expect(presence).toEqual(['away', 'back']);
    expect(player.room).toBe(playerRoom);
    expect(playerRoom.left).toBe(false);
    expect(Held.last?.leaves).toEqual([]);
  });

  it('longer than graceMs: when it runs out the session ends, as at the end of a grace period', async () => {
    const { server, watched, player } = await heldRoom(registry, { reconnectionMs: 900 }, { graceMs: 100 });
    const presence = presenceOf(watched);
    let awayAt = 0;
    watched.on('member-away', () => {
      awayAt = Date.now();
    });
    proxy!.block();
    await eventually(() => presence.length === 2, 'the player gone', 10_000);
    const heldMs = Date.now() - awayAt;
    expect(presence).toEqual(['away', `leave ${ErrorCode.SESSION_EXPIRED}`]);
    expect(Held.last?.leaves).toEqual([{ playerId: player.playerId, reason: ErrorCode.SESSION_EXPIRED }]);
    // Held for the room's window, not the grace period: a timer never runs early, and the news of the
    // drop reached the watcher after the server had noted it.
    expect(heldMs).toBeGreaterThan(500);
    await eventually(() => server.server.sessionCount === 1, 'the session ended');
    await untilSeatsListed(server, watched.roomId, 1, 'the seat given back');
  });

  it('holdSeat from onAway sets one absence apart: 0 lets the player go at once', async () => {
    const { server, watched, player } = await heldRoom(registry, { holdInOnAway: 0 });
    const presence = presenceOf(watched);
    proxy!.block();
    await eventually(() => presence.length === 2, 'the player away, then out of the room');
    expect(presence).toEqual(['away', `leave ${ErrorCode.RECONNECTION_EXPIRED}`]);
    expect(Held.last?.leaves).toEqual([
      { playerId: player.playerId, reason: ErrorCode.RECONNECTION_EXPIRED },
    ]);
    expect(server.server.sessionCount).toBe(2); // the server's 30 s grace period runs on
  });

  it('holdSeat while a held player is away lets them go, and their session goes back to graceMs', async () => {
    const { server, watched, player, presence } = await heldPastGrace(registry, 400);
    expect(server.server.sessionCount).toBe(2);
    watched.send('let-go'); // the match is over: no seat is held any more
    await eventually(() => presence.length === 2, 'the player out of the room');
    expect(presence).toEqual(['away', `leave ${ErrorCode.RECONNECTION_EXPIRED}`]);
    expect(Held.last?.leaves).toEqual([
      { playerId: player.playerId, reason: ErrorCode.RECONNECTION_EXPIRED },
    ]);
    // Its grace period, counted from the drop, is over: nothing holds the session any more.
    await eventually(() => server.server.sessionCount === 1, 'the session ended');
    await untilSeatsListed(server, watched.roomId, 1, 'the seat given back');
  });
});

describe("a room's reconnection window's arguments", () => {
  it('setReconnectionMs takes 0..10 minutes or undefined; anything else throws a RangeError naming it', () => {
    const room = new Held();
    expect(room.reconnectionMs).toBeUndefined();
    room.setReconnectionMs(0);
    room.setReconnectionMs(MAX_RECONNECTION_MS);
    expect(room.reconnectionMs).toBe(10 * 60_000);
    for (const bad of [-1, Number.NaN, MAX_RECONNECTION_MS + 1, Number.POSITIVE_INFINITY, '10']) {
      expect(() => room.setReconnectionMs(bad as number)).toThrow(RangeError);
      expect(() => room.setReconnectionMs(bad as number)).toThrow(
        /reconnectionMs must be a number of ms in 0\.\.600000 \(10 minutes\), or undefined/,
      );
    }
    expect(room.reconnectionMs).toBe(MAX_RECONNECTION_MS);
    room.setReconnectionMs(undefined);
    expect(room.reconnectionMs).toBeUndefined();
  });

  it('holdSeat refuses an ms out of range at the call, before anything else', () => {
    const room = new Held();
    const client = {} as RoomClient;
    for (const bad of [undefined, -5, MAX_RECONNECTION_MS + 1, Number.NaN]) {
      expect(() => room.holdSeat(client, bad as number)).toThrow(
        /holdSeat: ms must be a number of ms in 0\.\.600000 \(10 minutes\); got/,
      );
    }
  });
});
