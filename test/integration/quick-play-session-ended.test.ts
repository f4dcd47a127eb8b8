import { MemoryRegistry, Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** A registry whose quick-play creation claims wait at a gate the test opens (a slow registry). */
class GatedClaimRegistry extends MemoryRegistry {
  claims = 0;
  open: () => void = () => {};
  readonly #gate = new Promise<void>((resolve) => {
    this.open = resolve;
  });
  override async claimCreation(key: string, token: string, ttlMs: number): Promise<boolean> {
    this.claims++;
    await this.#gate;
    return super.claimCreation(key, token, ttlMs);
  }
}

/** Counts its creations. */
class CountedRoom extends TestRoom {
  static created = 0;
  override onCreate(options: unknown): void {
    CountedRoom.created++;
    super.onCreate(options);
  }
}

/** A registry that counts the seats asked for in each room. */
class SeatCountingRegistry extends MemoryRegistry {
  readonly asked = new Map<string, number>();
  override reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    this.asked.set(roomId, (this.asked.get(roomId) ?? 0) + 1);
    return super.reserveSeat(roomId, playerId);
  }
}

/** Holds each joiner's onJoin (the creator aside) until `release`. */
class GateRoom extends Room {
  static release: (() => void) | undefined;
  static reset(): void {
    GateRoom.release = undefined;
  }
  override async onJoin(): Promise<void> {
    if (this.clients.length === 0) return;
    await new Promise<void>((resolve) => {
      GateRoom.release = resolve;
    });
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a quick play whose session ends while it is under way', () => {
  it('stops: no room is created for no one, and no seat is taken', async () => {
    CountedRoom.created = 0;
    const registry = new GatedClaimRegistry();
    t = await startServer({ test: CountedRoom }, { registry });
    const client = t.client();
    await client.connect();
    const played = client.quickPlay('test').catch((error: unknown) => error);
    await eventually(() => registry.claims === 1, 'the creation claim under way');
    client.close();
    await eventually(() => t?.server.sessionCount === 0, 'the session ended');
    registry.open();
    await played;
    await sleep(100);
    expect(CountedRoom.created).toBe(0);
    expect(t.server.rooms.roomCount).toBe(0);
    expect(await registry.listRooms({})).toEqual([]);
  });
});

describe('a quick play whose session ends while a room decides on it', () => {
  it('stops there: the next room that matches is not asked for a seat', async () => {
    GateRoom.reset();
    const registry = new SeatCountingRegistry();
    t = await startServer({ gate: GateRoom }, { registry });
    const [first, second] = [t.client(), t.client()];
    await Promise.all([first.connect(), second.connect()]);
    const oldest = await first.create('gate');
    const next = await second.create('gate');
    const client = t.client();
    await client.connect();
    const played = client.quickPlay('gate').catch((error: unknown) => error);
    await eventually(() => GateRoom.release !== undefined, "the oldest room's onJoin under way");
    client.close();
    await eventually(() => t?.server.sessionCount === 2, 'the session ended');
    (GateRoom.release as (() => void) | undefined)?.();
    await played;
    await sleep(100);
    expect(registry.asked.get(oldest.roomId)).toBe(2);
    expect(registry.asked.get(next.roomId)).toBe(1);
    expect(t.server.rooms.playerCount).toBe(2);
  });
});
