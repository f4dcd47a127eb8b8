import { Channel, type Client, SyncedState } from 'vehikill-net/client';
import { type CountingMetrics, Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { codesToState, entity, int, string, vec3 } from 'vehikill-net/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

const Vehicle = entity('vehicle', {
  position: vec3({ min: -1000, max: 1000, precision: 0.01 }),
  hp: int({ min: 0, max: 100 }),
  name: string({ maxLength: 64 }),
});
const Shell = entity('shell', {
  position: vec3({ min: -1000, max: 1000, precision: 0.01 }),
  owner: int({ min: 0, max: 255 }),
});
const types = [Vehicle, Shell] as const;

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a: a seed for each key (a member's snapshot of a tick), so that each draws its fate alone. */
function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

const TICK_MS = 50;
/** Acks reach RoomSync this many ticks after the snapshot they answer (see `ArenaRoom.#deliverAcks`). */
const ACK_TICKS = 2;

/**
 * 64 entities moving every tick; every 10 ticks one goes and another comes. Snapshots to members lose 5%
 * on the way (the RoomSync `send` plug point), each member's own 5% of ticks, fixed by the seed whatever the
 * timing; acks lose 5% too (dropped before `receive`), and the rest take two ticks to arrive.
 */
class ArenaRoom extends Room {
  static instance: ArenaRoom | undefined;
  static metrics: CountingMetrics | undefined;
  static lossRate = 0.05;
  sync!: RoomSync;
  moving = true;
  churn = true;
  tick = 0;
  spawned = 0;
  removed = 0;
  snapshotsDropped = 0;
  acksDropped = 0;
  readonly inputs: string[] = [];
  readonly #random = seeded(1234);
  readonly #ackLossRandom = seeded(99);
  /** Acks on their way, with the tick each came in after (see `#deliverAcks`). */
  readonly #acksOnTheirWay: Array<{ client: RoomClient; bytes: Uint8Array; after: number }> = [];
  #timer: ReturnType<typeof setInterval> | undefined;

  override onCreate(): void {
    ArenaRoom.instance = this;
    this.setMaxClients(16);
    this.sync = new RoomSync(this, {
      types: [...types],
      rateHz: 20,
      budgetBytes: 1200,
      ...(ArenaRoom.metrics ? { metrics: ArenaRoom.metrics } : {}),
      send: (client, bytes) => {
        if (ArenaRoom.#snapshotLost(client, this.tick)) {
          this.snapshotsDropped++;
          return;
        }
        client.link.send(Channel.phys, bytes);
      },
    });
    for (let i = 0; i < 64; i++) this.#spawn(i);
    this.#timer = setInterval(() => this.#step(), TICK_MS);
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    if (channel !== Channel.phys) return; // the members send acks and inputs only
    if (this.#ackLossRandom() < ArenaRoom.lossRate) {
      this.acksDropped++; // a lost ack
      return;
    }
    // A copy: the link may reuse the bytes once this returns.
    this.#acksOnTheirWay.push({ client, bytes: bytes.slice(), after: this.tick });
  }

  /**
   * Whether `client`'s snapshot of `tick` is lost: drawn from a generator seeded with both, so that the
   * same snapshots are lost in every run, however the joins and acks fell in time (one generator for
   * snapshots and acks alike lost one or the other by which came first).
   */
  static #snapshotLost(client: RoomClient, tick: number): boolean {
    return seeded(fnv1a(`${client.name}/${tick}`))() < ArenaRoom.lossRate;
  }

  /**
   * Hands RoomSync the acks that came in ACK_TICKS ticks ago, as a 100 ms round trip at 20 Hz would: at
   * the flush after a lost snapshot the other members have not acked it, so the loser is sent the next
   * one against a frame it holds, and applies it; at the flush after that they have, and the loser is sent
   * the lost one again ahead of the next (a chain), which it fills in late. On loopback the acks came back
   * before the next flush, and the lost snapshot mostly went again at once, ahead of the next: applied as it
   * came, and seldom filled in late.
   */
  #deliverAcks(): void {
    let delivered = 0;
    for (const { client, bytes, after } of this.#acksOnTheirWay) {
      if (after > this.tick - ACK_TICKS) break;
      delivered++;
      const input = this.sync.receive(client, Channel.phys, bytes);
      if (input !== undefined) this.inputs.push(`${client.name}:${input.join(',')}`);
    }
    this.#acksOnTheirWay.splice(0, delivered);
  }

  override onDispose(): void {
    clearInterval(this.#timer);
  }

  #spawn(index: number): void {
    const position = { x: this.#coord(), y: this.#coord(), z: this.#coord() };
    if (index % 4 === 3) this.sync.world.spawn(Shell, { position, owner: index % 256 });
    else this.sync.world.spawn(Vehicle, { position, hp: 100, name: `vehicle ${index}` });
    this.spawned++;
  }

  #coord(): number {
    return (this.#random() - 0.5) * 400;
  }

  #step(): void {
    this.tick++;
    this.#deliverAcks();
    const world = this.sync.world;
    if (this.moving) {
      for (const [id, record] of world.frame(this.tick).entities) {
        const dx = (this.#random() - 0.5) * 4;
        const dz = (this.#random() - 0.5) * 4;
        if (record.type === Vehicle) {
          const vehicle = codesToState(Vehicle, record.codes);
          const { x, y, z } = vehicle.position;
          const hp = Math.max(0, vehicle.hp - (id % 2));
          world.update(id, Vehicle, { ...vehicle, position: { x: x + dx, y, z: z + dz }, hp });
        } else {
          const shell = codesToState(Shell, record.codes);
          const { x, y, z } = shell.position;
          world.update(id, Shell, { ...shell, position: { x: x + dx, y, z: z + dz } });
        }
      }
      if (this.churn && this.tick % 10 === 0) {
        const ids = [...world.frame(this.tick).entities.keys()];
        const victim = ids[Math.floor(this.#random() * ids.length)];
        if (victim !== undefined && world.remove(victim)) this.removed++;
        this.#spawn(this.spawned);
      }
    }
    this.sync.flush(this.tick);
  }
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ arena: ArenaRoom });
  ArenaRoom.metrics = t.server.metrics as CountingMetrics;
});
afterAll(() => t.close());

/** Every entity of the server, and nothing else, with the same quantized codes. */
function converged(room: ArenaRoom, state: SyncedState<typeof types>): boolean {
  const server = room.sync.world.frame(room.tick).entities;
  if (state.size !== server.size) return false;
  for (const [id, record] of server) {
    const held = state.get(id);
    const codes = state.codesOf(id);
    if (held === undefined || codes === undefined || held.type !== record.type) return false;
    if (JSON.stringify(codes) !== JSON.stringify(record.codes)) return false;
  }
  return true;
}

describe('state sync in a room (RoomSync + SyncedState over the server link)', () => {
  it('8 clients, 64 moving entities, 5% snapshot and ack loss: every client converges to the server', async () => {
    const clients: Client[] = [];
    const states: SyncedState<typeof types>[] = [];
    const adds = new Map<SyncedState<typeof types>, Set<number>>();
    const removes = new Map<SyncedState<typeof types>, Set<number>>();
    let roomId = '';
    for (let i = 0; i < 8; i++) {
      const client = t.client({ serverLink: 'off', name: `p${i}` });
      await client.connect();
      const state = new SyncedState(client.serverLink, { types });
      adds.set(state, new Set());
      removes.set(state, new Set());
      state.on('add', (e) => adds.get(state)?.add(e.id));
      state.on('remove', (e) => removes.get(state)?.add(e.id));
      if (i === 0) roomId = (await client.create('arena')).roomId;
      else await client.join(roomId);
      clients.push(client);
      states.push(state);
    }
    const room = ArenaRoom.instance as ArenaRoom;
    // An input carries the ack, and the room gets the input's own bytes. Inputs go on phys, which loses
    // 5 % here like the acks: sent five times, as a game sends inputs redundantly.
    for (let i = 0; i < 5; i++) states[0]?.sendInput(Uint8Array.of(1, 2, 3));

    await eventually(() => room.removed >= 8, 'entities spawned and removed while running', 10_000);
    room.moving = false;
    await eventually(
      () => states.every((state) => converged(room, state)),
      'every client holding the server state',
      5_000,
    );

    for (const state of states) {
      const stats = state.stats();
      expect(stats.entities).toBe(room.sync.world.size);
      expect(stats.applied).toBeGreaterThan(20);
      expect(stats.badFrames).toBe(0);
      // Shared bodies and per-member snapshots never met a client with the wrong baseline or checksum.
      expect(stats.resyncs).toBe(0);
      expect(stats.bytesPerSecond).toBeGreaterThan(0);
      // Entities removed while running were seen going (those the client ever saw) and are gone.
      for (const id of removes.get(state) ?? []) expect(state.get(id)).toBeUndefined();
      expect(adds.get(state)?.size).toBeGreaterThan(64);
      expect(removes.get(state)?.size).toBeGreaterThan(0);
      // Decoded values equal the server's quantized state exactly.
      for (const [id, record] of room.sync.world.frame(room.tick).entities) {
        expect(state.get(id)?.state).toEqual(codesToState(record.type, record.codes));
      }
    }
    expect(room.spawned - room.removed).toBe(64);
    expect(room.snapshotsDropped).toBeGreaterThan(10);
    expect(room.acksDropped).toBeGreaterThan(10);
    expect(room.inputs).toContain('p0:1,2,3');
    const stats = room.sync.stats();
    expect(stats.members).toBe(8);
    expect(stats.acksReceived).toBeGreaterThan(100);
    // Members in step at the same frame were served from one encoded body.
    expect(room.sync.sharedStats.bodies).toBeGreaterThan(0);
    expect(room.sync.sharedStats.reused).toBeGreaterThan(0);
    // A member that lost a snapshot (or whose ack was lost) was sent it again ahead of the next, in a
    // chain, rather than have a body built for it alone; every chain decoded (no resyncs, no bad frames
    // above). A lost one went again after the member had applied the next, and was filled in late.
    expect(stats.chains).toBeGreaterThan(0);
    const filled = states.reduce((sum, state) => sum + state.stats().filled, 0);
    expect(filled).toBeGreaterThan(0);
    const metrics = t.server.metrics as CountingMetrics;
    expect(metrics.total('sync_snapshots_total')).toBe(stats.snapshotsSent);
    // The first snapshots are full states of 64 entities: big enough to be worth deflating.
    expect(metrics.total('sync_deflate_total')).toBeGreaterThan(0);

    // A member who leaves loses their encoder; a late joiner gets the world in full and converges.
    clients[7]?.close();
    await eventually(() => room.sync.stats().members === 7, 'the leaver forgotten', 5_000);
    const late = t.client({ serverLink: 'off', name: 'late' });
    await late.connect();
    const lateState = new SyncedState(late.serverLink, { types });
    await late.join(roomId);
    await eventually(() => converged(room, lateState), 'the late joiner holding the server state', 5_000);

    for (const client of clients) client.close();
    for (const state of states) state.dispose();
    lateState.dispose();
    late.close();
  }, 30_000);
});
