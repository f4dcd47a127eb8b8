import { Channel, type Client, SyncedState } from 'vehikill-net/client';
import { type CountingMetrics, Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { encodeAckFrame, entity, int, string } from 'vehikill-net/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/*
 * A member who never acks, or asks for a resync with every ack (acking the newest snapshot, so that
 * every request is heard), used to be sent a snapshot planned for it alone every time, carrying every
 * entity removed since it last acked (a removal goes again until acked) as far as its budget held: its
 * cost grew with the world's churn until each of its snapshots took milliseconds. After 128 unacked
 * snapshots it is now sent empty ones until it acks, and an honest client that stalls that long still
 * converges once its acks come through.
 */

const Shell = entity('shell', { x: int({ min: 0, max: 100_000 }), owner: string({ maxLength: 32 }) });
const types = [Shell] as const;
const TICK_MS = 10;

/** 32 shells, one fired and one spent every tick; snapshots at 100 Hz, so 128 go in 1.3 s. */
class ChurnRoom extends Room {
  static instance: ChurnRoom | undefined;
  static metrics: CountingMetrics | undefined;
  sync!: RoomSync;
  tick = 0;
  /** Members cut off: their snapshots and acks are dropped on the way, as if lost. */
  readonly cutOff = new Set<string>();
  #timer: ReturnType<typeof setInterval> | undefined;

  override onCreate(): void {
    ChurnRoom.instance = this;
    this.sync = new RoomSync(this, {
      types: [...types],
      rateHz: 100,
      // Plain snapshots, whose seq a hostile member reads without inflating them.
      deflateAboveBytes: Number.POSITIVE_INFINITY,
      ...(ChurnRoom.metrics ? { metrics: ChurnRoom.metrics } : {}),
      send: (client, bytes) => {
        if (!this.cutOff.has(client.playerId)) client.link.send(Channel.phys, bytes);
      },
    });
    for (let i = 0; i < 32; i++) this.#fire();
    this.#timer = setInterval(() => this.#step(), TICK_MS);
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    if (this.cutOff.has(client.playerId)) return;
    this.sync.receive(client, channel, bytes);
  }

  override onDispose(): void {
    clearInterval(this.#timer);
  }

  #fire(): void {
    this.sync.world.spawn(Shell, { x: this.tick, owner: `shell fired at tick ${this.tick}` });
  }

  #step(): void {
    this.tick++;
    const oldest = this.sync.world.frame(this.tick).entities.keys().next().value;
    if (oldest !== undefined) this.sync.world.remove(oldest);
    this.#fire();
    this.sync.flush(this.tick);
  }
}

/** A member who reads its snapshots' seqs and answers as `mode` says; `sizes` are the snapshots' bytes. */
async function hostile(client: Client, roomId: string, mode: 'silent' | 'resync') {
  await client.connect();
  const sizes: number[] = [];
  client.serverLink.onMessage((channel, bytes) => {
    if (channel !== Channel.phys) return;
    sizes.push(bytes.length);
    if (mode === 'silent') return;
    const newest = (bytes[1] as number) | ((bytes[2] as number) << 8);
    client.serverLink.send(Channel.phys, encodeAckFrame({ newest, previous: 0xffffffff, resync: true }));
  });
  await client.join(roomId);
  return sizes;
}

/** The client holds every entity of the server, and nothing else. */
function converged(room: ChurnRoom, state: SyncedState<typeof types>): boolean {
  const server = room.sync.world.frame(room.tick).entities;
  if (state.size !== server.size) return false;
  for (const id of server.keys()) if (state.get(id) === undefined) return false;
  return true;
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ churn: ChurnRoom });
  ChurnRoom.metrics = t.server.metrics as CountingMetrics;
});
afterAll(() => t.close());

describe('members whose snapshots go unacked', () => {
  it('a member who never acks, and one who asks for a resync with every ack, are sent empty snapshots', async () => {
    const honestClient = t.client({ serverLink: 'off', name: 'honest' });
    await honestClient.connect();
    const honest = new SyncedState(honestClient.serverLink, { types });
    const { roomId } = await honestClient.create('churn');
    const room = ChurnRoom.instance as ChurnRoom;
    const silent = await hostile(t.client({ serverLink: 'off', name: 'silent' }), roomId, 'silent');
    const resyncing = await hostile(t.client({ serverLink: 'off', name: 'resync' }), roomId, 'resync');

    await eventually(() => silent.length > 300 && resyncing.length > 300, '300 snapshots each', 15_000);
    // Past the first 128: a header each (seq, stream, tick, flags, fingerprint, checksum, count), where
    // they were a full budget of removals and states.
    for (const sizes of [silent, resyncing]) {
      expect(Math.max(...sizes.slice(-100))).toBeLessThanOrEqual(24);
      expect(Math.max(...sizes.slice(0, 100))).toBeGreaterThan(500);
    }
    expect(room.sync.stats().snapshotsStalled).toBeGreaterThan(300);
    expect(ChurnRoom.metrics?.total('sync_snapshots_stalled_total')).toBe(room.sync.stats().snapshotsStalled);
    // The honest member, served all along, holds the world.
    await eventually(() => converged(room, honest), 'the honest member converged');
    expect(honest.stats().resyncs).toBe(0);
    honest.dispose();
  }, 30_000);

  it('an honest member cut off for longer catches up, the removals it missed included', async () => {
    const client = t.client({ serverLink: 'off', name: 'stalls' });
    await client.connect();
    const state = new SyncedState(client.serverLink, { types });
    await client.create('churn');
    const room = ChurnRoom.instance as ChurnRoom;
    await eventually(() => converged(room, state), 'converged before the stall');
    const held = [...room.sync.world.frame(room.tick).entities.keys()];

    // Nothing reaches the client, nor its acks the room, for 128 snapshots and more: it is stalled, and
    // every shell it holds is spent meanwhile, their removals sent in snapshots it never gets.
    room.cutOff.add(client.playerId as string);
    await eventually(() => room.sync.stats().snapshotsStalled > 20, 'stalled', 10_000);
    room.cutOff.delete(client.playerId as string);

    await eventually(() => converged(room, state), 'converged after the stall');
    for (const id of held) expect(state.get(id)).toBeUndefined();
    expect(state.stats().resyncs).toBe(0);
    state.dispose();
  }, 30_000);
});
