import { Channel, type Client, SyncedState } from 'vehikill-net/client';
import { Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { codesToState, type EntityRecord, entity, float, int } from 'vehikill-net/sync';
import { seededRandom } from 'vehikill-net/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

const Scout = entity('scout', {
  x: float({ min: -256, max: 256, precision: 0.01 }),
  y: float({ min: -256, max: 256, precision: 0.01 }),
  hp: int({ min: 0, max: 100 }),
});
const types = [Scout] as const;

const SIGHT = 100;

/** Where a player looks from: players by name `p0`.., spread over the arena's corners. */
function eyeOf(name: string): { x: number; y: number } {
  const index = Number(name.slice(1)) % 4;
  return { x: index % 2 === 0 ? -120 : 120, y: index < 2 ? -120 : 120 };
}

function positionOf(record: EntityRecord): { x: number; y: number } {
  const { x, y } = codesToState(Scout, record.codes);
  return { x, y };
}

function inSight(name: string, record: EntityRecord): boolean {
  const eye = eyeOf(name);
  const { x, y } = positionOf(record);
  return Math.hypot(x - eye.x, y - eye.y) < SIGHT;
}

/** Team vision: the west team sees the west half, the east team the east half. */
function inTeamSight(team: string, record: EntityRecord): boolean {
  return team === 'west' ? positionOf(record).x < 0 : positionOf(record).x >= 0;
}

/**
 * 64 scouts wandering over the arena, in and out of each player's sight; now and then one is destroyed
 * and a new one spawned. Snapshots and acks lose 5% on the way. `teams` switches from each player's own
 * sight to team vision (teams by `FogRoom.teamOf`).
 */
class FogRoom extends Room {
  static instance: FogRoom | undefined;
  static teams = false;
  static readonly teamOf = new Map<string, string>();
  sync!: RoomSync;
  moving = true;
  tick = 0;
  snapshotsDropped = 0;
  /** Scouts destroyed, by id: the tick of the first world frame without them. */
  readonly destroyedAt = new Map<number, number>();
  readonly #random = seededRandom(4321);
  readonly #lossRandom = seededRandom(77);

  override onCreate(): void {
    FogRoom.instance = this;
    this.setMaxClients(16);
    const teams = FogRoom.teams;
    this.sync = new RoomSync(this, {
      types: [...types],
      rateHz: 20,
      budgetBytes: 1200,
      visible: teams
        ? (client, _id, record) => inTeamSight(FogRoom.teamOf.get(client.name) ?? 'west', record)
        : (client, _id, record) => inSight(client.name, record),
      ...(teams ? { viewGroup: (client: RoomClient) => FogRoom.teamOf.get(client.name) ?? 'west' } : {}),
      send: (client, bytes) => {
        if (this.#lossRandom() < 0.05) {
          this.snapshotsDropped++;
          return;
        }
        client.link.send(Channel.phys, bytes);
      },
    });
    for (let i = 0; i < 64; i++) {
      this.sync.world.spawn(Scout, { x: this.#coord(), y: this.#coord(), hp: 100 });
    }
    this.clock.setInterval(() => this.#step(), 50);
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    if (channel === Channel.phys && this.#lossRandom() < 0.05) return; // a lost ack
    this.sync.receive(client, channel, bytes);
  }

  #coord(): number {
    return (this.#random() - 0.5) * 400;
  }

  #step(): void {
    this.tick++;
    const world = this.sync.world;
    if (this.moving) {
      for (const [id, record] of world.frame(this.tick).entities) {
        const scout = codesToState(Scout, record.codes);
        // Fast enough to cross a sight's edge every few seconds.
        const x = Math.max(-200, Math.min(200, scout.x + (this.#random() - 0.5) * 24));
        const y = Math.max(-200, Math.min(200, scout.y + (this.#random() - 0.5) * 24));
        world.update(id, Scout, { x, y, hp: Math.max(0, scout.hp - (id % 2)) });
      }
      // About two scouts destroyed a second, in sight of someone or not, and new ones in their place.
      if (this.#random() < 0.1) {
        const ids = [...world.frame(this.tick).entities.keys()];
        const id = ids[Math.floor(this.#random() * ids.length)] as number;
        world.remove(id);
        this.destroyedAt.set(id, this.tick);
        world.spawn(Scout, { x: this.#coord(), y: this.#coord(), hp: 100 });
      }
    }
    this.sync.flush(this.tick);
  }
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ fog: FogRoom });
});
afterAll(() => t.close());

/** The client holds exactly the entities `sees` keeps, with the server's codes. */
function holdsView(room: FogRoom, state: SyncedState<typeof types>, sees: (record: EntityRecord) => boolean) {
  const server = [...room.sync.world.frame(room.tick).entities].filter(([, record]) => sees(record));
  if (state.size !== server.length) return false;
  for (const [id, record] of server) {
    const codes = state.codesOf(id);
    if (codes === undefined || JSON.stringify(codes) !== JSON.stringify(record.codes)) return false;
  }
  return true;
}

interface Player {
  readonly name: string;
  readonly client: Client;
  readonly state: SyncedState<typeof types>;
  /** Ids added more than once: they left the player's view and came back. */
  readonly returned: Set<number>;
  removes: number;
  /** Removals of the snapshot being applied (its tick comes with the 'snapshot' event after them). */
  readonly pending: { readonly id: number; readonly reason: string }[];
  /** Removals by the reason given, and those whose reason was not the truth at their snapshot's tick. */
  readonly reasons: { destroyed: number; leftView: number; restart: number };
  readonly wrong: string[];
}

async function players(count: number): Promise<Player[]> {
  const joined: Player[] = [];
  let roomId = '';
  for (let i = 0; i < count; i++) {
    const name = `p${i}`;
    const client = t.client({ serverLink: 'off', name });
    await client.connect();
    const state = new SyncedState(client.serverLink, { types });
    const seen = new Set<number>();
    const player: Player = {
      name,
      client,
      state,
      returned: new Set(),
      removes: 0,
      pending: [],
      reasons: { destroyed: 0, leftView: 0, restart: 0 },
      wrong: [],
    };
    state.on('add', (event) => {
      if (seen.has(event.id)) player.returned.add(event.id);
      seen.add(event.id);
    });
    state.on('remove', ({ id, reason }) => {
      player.removes++;
      player.reasons[reason]++;
      player.pending.push({ id, reason });
    });
    // Destroyed exactly when the world the snapshot was taken from no longer had the scout.
    state.on('snapshot', ({ tick }) => {
      const room = FogRoom.instance as FogRoom;
      for (const { id, reason } of player.pending) {
        const destroyedAt = room.destroyedAt.get(id);
        const truth = destroyedAt !== undefined && destroyedAt <= tick ? 'destroyed' : 'leftView';
        if (reason !== truth) player.wrong.push(`scout ${id}: ${reason} at tick ${tick}, was ${truth}`);
      }
      player.pending.length = 0;
    });
    if (i === 0) roomId = (await client.create('fog')).roomId;
    else await client.join(roomId);
    joined.push(player);
  }
  return joined;
}

function leave(joined: readonly Player[]): void {
  for (const player of joined) {
    player.client.close();
    player.state.dispose();
  }
}

describe('interest management in a room (RoomSync visible / viewGroup)', () => {
  it('each player holds only what is in its sight, as scouts come and go under 5% loss', async () => {
    FogRoom.teams = false;
    const joined = await players(4);
    const room = FogRoom.instance as FogRoom;
    await eventually(
      () =>
        joined.every((player) => player.returned.size >= 3) &&
        joined.some((player) => player.reasons.destroyed > 0),
      'scouts leaving each sight and coming back, and one destroyed in sight',
      20_000,
    );
    room.moving = false;
    await eventually(
      () => joined.every((player) => holdsView(room, player.state, (record) => inSight(player.name, record))),
      'every player holding its own view of the server',
      5_000,
    );
    for (const player of joined) {
      const stats = player.state.stats();
      // Returning scouts came in full, never as a delta against a copy the client had dropped.
      expect(stats.resyncs).toBe(0);
      expect(stats.badFrames).toBe(0);
      expect(player.removes).toBeGreaterThan(0);
      expect(player.wrong).toEqual([]);
      expect(player.reasons.leftView).toBeGreaterThan(0);
      // Fewer than the world: the corners' sights cover part of the arena.
      expect(player.state.size).toBeLessThan(room.sync.world.size);
    }
    expect(room.snapshotsDropped).toBeGreaterThan(0);
    // Scouts destroyed in someone's sight were reported so, and only those.
    expect(joined.reduce((sum, player) => sum + player.reasons.destroyed, 0)).toBeGreaterThan(0);
    leave(joined);
  }, 40_000);

  it('a team shares one view and its encodes; a player switching teams is sent the other view', async () => {
    FogRoom.teams = true;
    for (const name of ['p0', 'p1', 'p2', 'p3'])
      FogRoom.teamOf.set(name, name === 'p0' || name === 'p1' ? 'west' : 'east');
    const joined = await players(4);
    const room = FogRoom.instance as FogRoom;
    const teamSight = (player: Player) => (record: EntityRecord) =>
      inTeamSight(FogRoom.teamOf.get(player.name) as string, record);
    await eventually(
      () =>
        joined.every((player) => player.returned.size >= 3) &&
        joined.some((player) => player.reasons.destroyed > 0),
      'scouts crossing between the halves and back, and one destroyed in sight',
      20_000,
    );
    // p1 goes over to the east team while the scouts keep moving.
    FogRoom.teamOf.set('p1', 'east');
    const p1 = joined[1] as Player;
    const removesBefore = p1.removes;
    await eventually(() => p1.removes > removesBefore + 10, "p1 losing the west team's scouts", 5_000);
    room.moving = false;
    await eventually(
      () => joined.every((player) => holdsView(room, player.state, teamSight(player))),
      "every player holding its team's view of the server",
      5_000,
    );
    for (const player of joined) {
      expect(player.state.stats().resyncs).toBe(0);
      expect(player.wrong).toEqual([]);
    }
    expect(joined.reduce((sum, player) => sum + player.reasons.destroyed, 0)).toBeGreaterThan(0);
    // p1 holds the east half now, exactly as the east team does.
    expect([...p1.state.entities()].every((scout) => scout.state.x >= 0)).toBe(true);
    // Members of one team in step at the same frame were served one body.
    expect(room.sync.sharedStats.reused).toBeGreaterThan(0);
    leave(joined);
  }, 40_000);
});
