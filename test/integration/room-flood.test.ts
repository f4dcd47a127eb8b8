import type { Client, ClientOptions } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import {
  CountingMetrics,
  type GameServerOptions,
  ManualClock,
  MemoryRegistry,
  type RoomListing,
} from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Counts the rooms whose disposal ran. */
class FloodRoom extends TestRoom {
  static disposed = new Set<string>();
  override onDispose(): void {
    FloodRoom.disposed.add(this.roomId);
  }
}

/** A WebSocket as it reaches the server through one reverse proxy, which says the client is at `address`. */
function behindProxy(address: string): ClientOptions['WebSocket'] {
  class Proxied extends WebSocket {
    constructor(url: string | URL) {
      super(url, { headers: { 'x-forwarded-for': address } });
    }
  }
  return Proxied;
}

/** The in-process registry, with each code lookup taking 20 ms of real time (a Redis round trip, say). */
class SlowLookups extends MemoryRegistry {
  lookups = 0;
  override async findByCode(code: string): Promise<RoomListing | undefined> {
    this.lookups++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return super.findByCode(code);
  }
}

async function serve(options: GameServerOptions = {}): Promise<{ t: TestServer; metrics: CountingMetrics }> {
  const metrics = new CountingMetrics();
  FloodRoom.disposed = new Set();
  t = await startServer({ flood: FloodRoom }, { metrics, ...options });
  return { t, metrics };
}

async function connectedAt(server: TestServer, address?: string): Promise<Client> {
  const client = server.client(address === undefined ? {} : { WebSocket: behindProxy(address) });
  await client.connect();
  return client;
}

/** A private room its host at 198.51.100.9 made, with its code and a code that names no room. */
async function privateRoom(server: TestServer) {
  const host = await connectedAt(server, '198.51.100.9');
  const room = await host.create('flood', { private: true });
  const code = room.info.code as string;
  return { room, code, wrong: code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA' };
}

/** Creates rooms one after another until `count` are made or a creation is refused; its code, if one was. */
async function createInALoop(
  client: Client,
  count: number,
  after: () => void = () => {},
): Promise<{ created: string[]; refused: string | undefined }> {
  const created: string[] = [];
  for (let i = 0; i < count; i++) {
    try {
      created.push((await client.create('flood')).roomId);
    } catch (error) {
      return { created, refused: (error as { code: string }).code };
    }
    after();
  }
  return { created, refused: undefined };
}

describe('a room-creation flood', () => {
  it('cannot fill the node: its empty rooms are recycled, and it is rate-limited, while others create and join', async () => {
    const { t, metrics } = await serve({ trustProxy: 1 });
    const flooder = await connectedAt(t, '203.0.113.7');
    let most = 0;
    const flooding = createInALoop(flooder, 100, () => {
      most = Math.max(most, t.server.rooms.roomCount);
    });
    // An honest player at another address creates a room, and a friend joins it, while the flood runs.
    const [host, friend] = await Promise.all([
      connectedAt(t, '198.51.100.2'),
      connectedAt(t, '198.51.100.3'),
    ]);
    const room = await host.create('flood', { private: true });
    const joined = await friend.joinByCode(room.code as string);
    expect(joined.roomId).toBe(room.roomId);

    const { created, refused } = await flooding;
    // The flooder's own room, its 4 newest empty ones, and the honest player's: never more.
    expect(most).toBeLessThanOrEqual(6);
    // 20 at once, a few more as the bucket refills while they are made, then RATE_LIMITED.
    expect(refused).toBe(ErrorCode.RATE_LIMITED);
    expect(created.length).toBeGreaterThanOrEqual(20);
    expect(created.length).toBeLessThan(30);
    const live = created.filter((roomId) => !FloodRoom.disposed.has(roomId));
    expect(live).toEqual(created.slice(-5));
    expect(t.server.rooms.roomCount).toBe(6);
    // The disposed ones heard it, and left the listing.
    expect(FloodRoom.disposed).toEqual(new Set(created.slice(0, -5)));
    const listed = (await host.listRooms({ type: 'flood', includeFull: true })).map((info) => info.roomId);
    expect(listed.sort()).toEqual([...live].sort());
    expect(metrics.total('empty_rooms_disposed_early_total')).toBe(created.length - 5);
    expect(metrics.total('room_creations_refused_total')).toBe(1);
    expect(metrics.total('bad_input_total', { code: ErrorCode.RATE_LIMITED })).toBe(1);
    // Another creation from the honest player's address is not affected by any of it.
    const again = await connectedAt(t, '198.51.100.2');
    await again.create('flood');
  });

  it('even unhindered by the rate, a loop of creations keeps at most its room and 4 empty ones', async () => {
    const { t } = await serve({ roomCreateBurst: 1_000 });
    const flooder = await connectedAt(t);
    let most = 0;
    const { created } = await createInALoop(flooder, 100, () => {
      most = Math.max(most, t.server.rooms.roomCount);
    });
    expect(created).toHaveLength(100);
    expect(most).toBe(5);
    expect(FloodRoom.disposed.size).toBe(95);
  });

  it('a flooder that keeps creating past the rate spends its fault budget and is cut off', async () => {
    const { t } = await serve({ roomCreateBurst: 2, errorBudget: 3, errorRefillPerSecond: 0.01 });
    const flooder = await connectedAt(t);
    const closed = new Promise<string>((resolve) => flooder.on('closed', ({ code }) => resolve(code)));
    const codes: string[] = [];
    for (let i = 0; i < 10 && flooder.state === 'open'; i++) {
      await flooder.create('flood').then(
        () => codes.push('ok'),
        (error: { code: string }) => codes.push(error.code),
      );
    }
    expect(codes.slice(0, 5)).toEqual([
      'ok',
      'ok',
      ErrorCode.RATE_LIMITED,
      ErrorCode.RATE_LIMITED,
      ErrorCode.RATE_LIMITED,
    ]);
    expect(await closed).toBe(ErrorCode.TOO_MANY_ERRORS);
  });

  it('by default counts the socket address, whatever X-Forwarded-For a client sends', async () => {
    const { t } = await serve({ roomCreateBurst: 3 });
    const flooder = await connectedAt(t);
    expect((await createInALoop(flooder, 10)).refused).toBe(ErrorCode.RATE_LIMITED);
    const forged = await connectedAt(t, '198.51.100.9');
    await expect(forged.create('flood')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
  });

  it('an IPv6 client counts as its /64: a fresh address in it gets no fresh budget', async () => {
    const { t } = await serve({ trustProxy: 1, roomCreateBurst: 3 });
    const first = await connectedAt(t, '2001:db8:5:6::1');
    expect((await createInALoop(first, 10)).refused).toBe(ErrorCode.RATE_LIMITED);
    const next = await connectedAt(t, '2001:db8:5:6:ffff::2');
    await expect(next.create('flood')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
    const neighbour = await connectedAt(t, '2001:db8:5:7::1');
    await neighbour.create('flood');
  });
});

describe('honest players behind one address (a NAT)', () => {
  it('20 create at once and all get their room; rooms with players in them never count', async () => {
    const { t } = await serve();
    const players = await Promise.all(Array.from({ length: 20 }, () => connectedAt(t)));
    const rooms = await Promise.all(players.map((player) => player.create('flood')));
    expect(new Set(rooms.map((room) => room.roomId)).size).toBe(20);
    expect(t.server.rooms.roomCount).toBe(20);
    expect(FloodRoom.disposed.size).toBe(0);
    // They all leave: only the 4 last left empty wait for the empty-room timer.
    for (const room of rooms) await room.leave();
    expect(t.server.rooms.roomCount).toBe(4);
  });

  it('a creation refused before any work takes nothing; a refused onCreate counts as no room', async () => {
    const { t } = await serve({ roomCreateBurst: 2, maxEmptyRoomsPerCreator: 0 });
    const player = await connectedAt(t);
    for (let i = 0; i < 5; i++) {
      await expect(player.create('no-such-type')).rejects.toMatchObject({
        code: ErrorCode.ROOM_TYPE_UNKNOWN,
      });
    }
    // The room's own code ran for this one, so it took from the budget; it left no room to count.
    await expect(player.create('flood', { options: { maxClients: 'x' } })).rejects.toMatchObject({
      code: ErrorCode.JOIN_REJECTED,
    });
    const room = await player.create('flood');
    expect(t.server.rooms.listings().map((listing) => listing.roomId)).toEqual([room.roomId]);
    expect(FloodRoom.disposed.size).toBe(1); // the refused one heard it was gone
    await expect(player.create('flood')).rejects.toMatchObject({ code: ErrorCode.RATE_LIMITED });
  });
});

describe('guessing private room codes', () => {
  it('is bounded per address, not per session: fresh sessions get no fresh guesses', async () => {
    const clock = new ManualClock(0);
    const { t, metrics } = await serve({ trustProxy: 1, clock });
    const { room, code, wrong } = await privateRoom(t);
    // Ten guessers at one address, each a new guest with its own fault budget (20): two wrong codes each.
    const guessers = await Promise.all(Array.from({ length: 10 }, () => connectedAt(t, '203.0.113.60')));
    for (const guesser of guessers) {
      for (let i = 0; i < 2; i++) {
        await expect(guesser.joinByCode(wrong)).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
      }
    }
    // The address has had its 20: the next guess, even the right code from yet another session, waits.
    const late = await connectedAt(t, '203.0.113.60');
    await expect(late.joinByCode(code)).rejects.toMatchObject({
      code: ErrorCode.RATE_LIMITED,
      message: 'too many wrong room codes from your address: try again in 1 s',
    });
    expect(metrics.total('room_code_guesses_refused_total')).toBe(1);
    // Another address is not held back; this one gets one more guess a second.
    const friend = await connectedAt(t, '198.51.100.10');
    expect((await friend.joinByCode(code)).roomId).toBe(room.roomId);
    clock.advance(1_000);
    expect((await late.joinByCode(code)).roomId).toBe(room.roomId);
  });

  it('is bounded per IPv6 /48 too: its /64s have 80 wrong codes together, not 20 each', async () => {
    const clock = new ManualClock(0);
    const { t, metrics } = await serve({ trustProxy: 1, clock });
    const { room, code, wrong } = await privateRoom(t);
    // Sixteen /64s of one /48, five wrong codes each: every /64 within its own 20, the /48 at its 80.
    for (let n = 0; n < 16; n++) {
      const guesser = await connectedAt(t, `2001:db8:aa:${n}::1`);
      for (let i = 0; i < 5; i++)
        await expect(guesser.joinByCode(wrong)).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
      guesser.close();
    }
    // A seventeenth /64 of that /48 waits, even with the right code, told it is its /48 that guessed too
    // much (it made no guess itself); a player at another /48 does not wait.
    const late = await connectedAt(t, '2001:db8:aa:ffff::1');
    await expect(late.joinByCode(code)).rejects.toMatchObject({
      code: ErrorCode.RATE_LIMITED,
      message:
        "too many wrong room codes from your address's /48 (2001:db8:aa::/48, all its /64s together): try again in 1 s",
    });
    expect(metrics.total('room_code_guesses_refused_total')).toBe(1);
    const friend = await connectedAt(t, '2001:db8:bb:1::1');
    expect((await friend.joinByCode(code)).roomId).toBe(room.roomId);
    // The /48 gets four guesses a second: a quarter of a second later, the right code gets in.
    clock.advance(250);
    expect((await late.joinByCode(code)).roomId).toBe(room.roomId);
  });

  it('is bounded per IPv6 /32 too, and says so: four /48s spend it for a fifth', async () => {
    const clock = new ManualClock(0);
    const { t, metrics } = await serve({ trustProxy: 1, clock });
    const { code, wrong } = await privateRoom(t);
    // Four /48s of 2001:db8::/32, five /64s each, sixteen wrong codes a /64: each /64 within its own 20,
    // each /48 at its 80, the /32 at its 320.
    for (let net = 0; net < 4; net++) {
      for (let n = 0; n < 5; n++) {
        const guesser = await connectedAt(t, `2001:db8:${net}:${n}::1`);
        for (let i = 0; i < 16; i++)
          await expect(guesser.joinByCode(wrong)).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
        guesser.close();
      }
    }
    const late = await connectedAt(t, '2001:db8:ff:1::1');
    await expect(late.joinByCode(code)).rejects.toMatchObject({
      code: ErrorCode.RATE_LIMITED,
      message:
        "too many wrong room codes from your address's /32 (2001:db8::/32, all its /64s together): try again in 1 s",
    });
    expect(metrics.total('room_code_guesses_refused_total')).toBe(1);
  });

  it('holds for guesses made at once, from many addresses of one IPv6 /64, with a lookup that takes time', async () => {
    const clock = new ManualClock(0);
    // A lookup that takes a registry round trip, as Redis's does: guesses from many sessions are then in
    // flight together, and used to pass while the address had one left (each was counted after it missed).
    const registry = new SlowLookups({ clock });
    const { t, metrics } = await serve({ trustProxy: 1, clock, registry });
    const host = await connectedAt(t, '198.51.100.9');
    const code = (await host.create('flood', { private: true })).info.code as string;
    const wrong = code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    // The creation looked its code up too (to draw it free): only the guesses' lookups count below.
    const lookupsBefore = registry.lookups;
    // 40 sessions at 40 addresses of one /64, one guess each, all at once.
    const guessers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => connectedAt(t, `2001:db8:5:6::${(i + 1).toString(16)}`)),
    );
    const outcomes = await Promise.all(
      guessers.map((guesser) =>
        guesser.joinByCode(wrong).then(
          () => 'joined',
          (error: { code: string }) => error.code,
        ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === ErrorCode.ROOM_NOT_FOUND)).toHaveLength(20);
    expect(outcomes.filter((outcome) => outcome === ErrorCode.RATE_LIMITED)).toHaveLength(20);
    expect(registry.lookups - lookupsBefore).toBe(20);
    expect(metrics.total('room_code_guesses_refused_total')).toBe(20);
    // Another /64 is not held back. A right code gives its guess back: with one guess left, its player
    // joins, leaves and joins again.
    const neighbour = await connectedAt(t, '2001:db8:5:7::1');
    for (let i = 0; i < 19; i++) {
      await expect(neighbour.joinByCode(wrong)).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
    }
    const joined = await neighbour.joinByCode(code);
    await joined.leave();
    expect((await neighbour.joinByCode(code)).roomId).toBe(joined.roomId);
  });
});
