import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import { type CountingMetrics, MemoryRegistry, PrometheusMetrics, type Registry } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectedClient as connected, sleep, startServer, type TestServer } from '../support/server.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * A registry that fails the next call of the named methods, as a shared registry does in a short outage
 * (a blip the node's heartbeat may never see). Everything else goes to one in-memory registry, shared by
 * every server of a test as Redis would be.
 */
class BlippingRegistry extends MemoryRegistry {
  readonly #failNext = new Set<keyof Registry>();

  failNext(method: keyof Registry): void {
    this.#failNext.add(method);
  }

  #blip(method: keyof Registry): void {
    if (!this.#failNext.delete(method)) return;
    throw Object.assign(new Error(`${method}: the registry is unreachable`), {
      code: ErrorCode.REGISTRY_UNAVAILABLE,
    });
  }

  override async releaseSeat(roomId: string, playerId: string): Promise<void> {
    this.#blip('releaseSeat');
    return super.releaseSeat(roomId, playerId);
  }

  override async removeRoom(roomId: string): Promise<void> {
    this.#blip('removeRoom');
    return super.removeRoom(roomId);
  }

  override async updateRoom(...args: Parameters<MemoryRegistry['updateRoom']>): Promise<boolean> {
    this.#blip('updateRoom');
    return super.updateRoom(...args);
  }

  /** The next adds are written, then fail unanswered: a Redis that ran the command after the timeout. */
  addsLost = 0;

  override async addRoom(...args: Parameters<MemoryRegistry['addRoom']>): Promise<boolean> {
    const added = await super.addRoom(...args);
    if (this.addsLost > 0) {
      this.addsLost--;
      this.failNext('removeRoom'); // the removal right after fails too: the outage is still on
      throw new ProtocolError(ErrorCode.REGISTRY_UNAVAILABLE, 'addRoom: Redis did not answer in time');
    }
    return added;
  }
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A node sharing `registry`, heartbeating every 200 ms. */
async function node(registry: Registry, nodeId: string, emptyDisposeMs = 30_000): Promise<TestServer> {
  const server = await startServer({ test: TestRoom }, { registry, nodeId, nodeTtlMs: 600, emptyDisposeMs });
  servers.push(server);
  return server;
}

describe('a node puts the shared listing right after registry writes failed', () => {
  it('a seat released during a blip is free again by the next heartbeat', async () => {
    const registry = new BlippingRegistry();
    const a = await node(registry, 'node-a');
    const [alice, bob, carol] = await Promise.all([connected(a), connected(a), connected(a)]);
    const room = await alice.create('test', { options: { maxClients: 2 } });
    const joined = await bob.join(room.roomId);
    registry.failNext('releaseSeat');
    await joined.leave();
    // The release was lost: the listing still counts Bob's seat, then the node's heartbeat fixes it.
    await expect.poll(async () => (await registry.getRoom(room.roomId))?.clients).toBe(1);
    expect((await carol.join(room.roomId)).roomId).toBe(room.roomId);
  });

  it('a room whose creation failed unanswered, though the registry listed it, leaves the listing', async () => {
    const registry = new BlippingRegistry();
    const a = await node(registry, 'node-a');
    const alice = await connected(a);
    registry.addsLost = 1;
    await expect(alice.create('test')).rejects.toMatchObject({
      code: ErrorCode.REGISTRY_UNAVAILABLE,
    });
    expect(a.server.rooms.roomCount).toBe(0);
    // Listed on a node that does not have it: until the node's next heartbeat takes it out again.
    await expect.poll(async () => registry.listRooms({ includeFull: true })).toEqual([]);
    const room = await alice.quickPlay('test');
    expect(a.server.rooms.roomCount).toBe(1);
    expect(await registry.listRooms({ includeFull: true })).toHaveLength(1);
    expect((await registry.listRooms({ includeFull: true }))[0]?.roomId).toBe(room.roomId);
  });

  it('a room disposed during a blip leaves the listing by the next heartbeat', async () => {
    const registry = new BlippingRegistry();
    const a = await node(registry, 'node-a', 200);
    const alice = await connected(a);
    const room = await alice.create('test');
    registry.failNext('removeRoom');
    await room.leave();
    await expect.poll(() => a.server.rooms.roomCount).toBe(0);
    await expect.poll(async () => registry.getRoom(room.roomId)).toBeUndefined();
    expect(await registry.listRooms({ includeFull: true })).toEqual([]);
  });

  it('a room whose lock a drain lost in a blip is locked in the listing by the next heartbeat', async () => {
    const registry = new BlippingRegistry();
    const a = await node(registry, 'node-a');
    const [alice, bob] = await Promise.all([connected(a), connected(a)]);
    const room = await alice.create('test');
    registry.failNext('updateRoom');
    const draining = a.server.drain({ deadlineMs: 2_000 });
    await expect.poll(async () => (await registry.getRoom(room.roomId))?.locked).toBe(true);
    // Not joinable, as the drain promised: neither listed as open nor taken on the draining node itself.
    expect(await registry.listRooms({})).toEqual([]);
    await expect(bob.join(room.roomId)).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    await room.leave();
    await draining;
  });

  it('a room the listing lost while its node stayed known is listed again once an update misses it', async () => {
    const registry = new BlippingRegistry();
    const a = await node(registry, 'node-a');
    const alice = await connected(a);
    const room = await alice.create('test');
    // Lost with the node still known (a Redis failover to a replica that lacked the write, say).
    await registry.removeRoom(room.roomId);
    room.send('lock', true);
    await expect.poll(async () => (await registry.getRoom(room.roomId))?.locked).toBe(true);
  });
});

/** A registry each of whose room writes takes `addMs` (a Redis a round trip away), shared as Redis would be. */
class SlowAddRegistry extends MemoryRegistry {
  addMs = 0;

  override async addRoom(...args: Parameters<MemoryRegistry['addRoom']>): Promise<boolean> {
    if (this.addMs > 0) await sleep(this.addMs);
    return super.addRoom(...args);
  }
}

describe('a node the registry forgot (a Redis restarted empty, say)', () => {
  it('puts its rooms back for good even when writing them one by one takes longer than its TTL', async () => {
    const registry = new SlowAddRegistry();
    const a = await node(registry, 'node-a');
    await node(registry, 'node-b'); // heartbeats every 200 ms, sweeping nodes whose 600 ms TTL ran out
    const players = await Promise.all(Array.from({ length: 20 }, () => connected(a)));
    await Promise.all(players.map((player) => player.create('test')));
    const listed = async () => (await registry.listRooms({ includeFull: true })).length;
    expect(await listed()).toBe(20);
    // 60 ms a write: 20 rooms one after another take 1.2 s, twice the node's TTL.
    registry.addMs = 60;
    await registry.removeNode('node-a');
    await expect.poll(listed, { timeout: 5_000, interval: 50 }).toBe(20);
    // And they stay: the node was not swept as dead while it wrote them.
    for (let i = 0; i < 15; i++) {
      await sleep(100);
      expect(await listed()).toBe(20);
    }
  }, 20_000);
});

describe('draining', () => {
  it("keeps a draining node's rooms locked when the app unlocks them; a join through another node says so", async () => {
    const registry = new MemoryRegistry();
    const a = await node(registry, 'node-a');
    const b = await node(registry, 'node-b');
    const alice = await connected(a);
    const room = await alice.create('test');
    const draining = a.server.drain({ deadlineMs: 2_000 });
    await expect.poll(async () => (await registry.getRoom(room.roomId))?.locked).toBe(true);
    // Between rounds the app unlocks; the echo comes back after the room handled both messages.
    room.send('lock', false);
    const echoed = new Promise((resolve) => room.onMessage('echo', resolve));
    room.send('echo', 'after unlock');
    await echoed;
    expect((await registry.getRoom(room.roomId))?.locked).toBe(true);
    const bob = await connected(b);
    await expect(bob.join(room.roomId)).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    await draining;
  });
});

/** A registry that is down (as a RedisRegistry whose Redis stopped) for rooms and seats while `down`. */
class DownRegistry extends MemoryRegistry {
  down = false;

  #check(): void {
    if (this.down) throw new ProtocolError(ErrorCode.REGISTRY_UNAVAILABLE, 'Redis unreachable');
  }

  override async addRoom(...args: Parameters<MemoryRegistry['addRoom']>): Promise<boolean> {
    this.#check();
    return super.addRoom(...args);
  }

  override async getRoom(roomId: string): ReturnType<MemoryRegistry['getRoom']> {
    this.#check();
    return super.getRoom(roomId);
  }
}

describe('requests refused during a registry outage', () => {
  it('are counted on /metrics by request kind and error code', async () => {
    const registry = new DownRegistry();
    const a = await startServer(
      { test: TestRoom },
      { registry, nodeId: 'node-a', metrics: new PrometheusMetrics({ processMetrics: false }) },
    );
    servers.push(a);
    const alice = await connected(a);
    registry.down = true;
    const unavailable = { code: ErrorCode.REGISTRY_UNAVAILABLE };
    await expect(alice.create('test')).rejects.toMatchObject(unavailable);
    await expect(alice.create('test')).rejects.toMatchObject(unavailable);
    await expect(alice.join('NoSuchRoom')).rejects.toMatchObject(unavailable);
    registry.down = false;
    await expect(alice.join('NoSuchRoom')).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
    const response = await fetch(`${a.httpUrl}/metrics`);
    const scraped = parsePrometheusText(await response.text());
    const refused = (request: string, code: string) =>
      sampleValue(scraped, 'vehikill_requests_refused_total', { request, code });
    expect(refused('create_room', ErrorCode.REGISTRY_UNAVAILABLE)).toBe(2);
    expect(refused('join_room', ErrorCode.REGISTRY_UNAVAILABLE)).toBe(1);
    expect(refused('join_room', ErrorCode.ROOM_NOT_FOUND)).toBe(1);
    expect(scraped.get('vehikill_requests_refused_total')?.help).toMatch(/answered with an error/);
  });

  it('do not count a join sent on to the node hosting the room: that is a redirect', async () => {
    const registry = new MemoryRegistry();
    const options = { registry, metrics: new PrometheusMetrics({ processMetrics: false }), nodeTtlMs: 600 };
    const a = await startServer({ test: TestRoom }, { ...options, nodeId: 'node-a' });
    const b = await startServer(
      { test: TestRoom },
      { ...options, nodeId: 'node-b', metrics: new PrometheusMetrics({ processMetrics: false }) },
    );
    servers.push(a, b);
    const room = await (await connected(b)).create('test');
    await sleep(300); // both nodes listed
    expect((await (await connected(a)).join(room.roomId)).roomId).toBe(room.roomId);
    const scraped = parsePrometheusText(await (await fetch(`${a.httpUrl}/metrics`)).text());
    expect(
      sampleValue(scraped, 'vehikill_requests_refused_total', {
        request: 'join_room',
        code: ErrorCode.ROOM_ON_OTHER_NODE,
      }),
    ).toBeUndefined();
    expect(sampleValue(scraped, 'vehikill_requests_redirected_total', { request: 'join_room' })).toBe(1);
  });
});

describe('a join refused by a draining node', () => {
  it('says its server is shutting down, whether sent to that node or through another', async () => {
    const registry = new MemoryRegistry();
    const a = await node(registry, 'node-a');
    const b = await node(registry, 'node-b');
    const alice = await connected(a);
    const room = await alice.create('test');
    const through = await connected(b);
    const draining = a.server.drain({ deadlineMs: 2_000 });
    await expect.poll(async () => (await registry.getRoom(room.roomId))?.locked).toBe(true);
    // A draining node still takes connections (docs/protocol.md, handshake step 3).
    const direct = await connected(a);
    const shuttingDown = {
      code: ErrorCode.ROOM_FULL,
      message: 'the room is locked: its server is shutting down',
    };
    await expect(direct.join(room.roomId)).rejects.toMatchObject(shuttingDown);
    await expect(through.join(room.roomId)).rejects.toMatchObject(shuttingDown);
    await draining;
  });

  it('a room its app locked, on a node not draining, is only locked', async () => {
    const registry = new MemoryRegistry();
    const a = await node(registry, 'node-a');
    const [alice, bob] = await Promise.all([connected(a), connected(a)]);
    const room = await alice.create('test');
    room.send('lock', true);
    await expect.poll(async () => (await registry.getRoom(room.roomId))?.locked).toBe(true);
    await expect(bob.join(room.roomId)).rejects.toMatchObject({
      code: ErrorCode.ROOM_FULL,
      message: 'the room is locked',
    });
  });
});

describe('a refused join', () => {
  it('leaves the player in the room they were in', async () => {
    const registry = new MemoryRegistry();
    const a = await node(registry, 'node-a');
    const [alice, bob, carol] = await Promise.all([connected(a), connected(a), connected(a)]);
    const full = await alice.create('test', { options: { maxClients: 1 } });
    const home = await bob.create('test');
    const chat: unknown[] = [];
    home.onMessage('chat', (data) => chat.push(data));
    await carol.join(home.roomId);
    await expect(carol.join(full.roomId)).rejects.toMatchObject({ code: ErrorCode.ROOM_FULL });
    expect((await registry.getRoom(home.roomId))?.clients).toBe(2);
    // Carol is still in Bob's room: what she says there reaches him.
    expect(carol.room?.roomId).toBe(home.roomId);
    carol.room?.send('chat', { text: 'still here' });
    await expect.poll(() => chat).toContainEqual({ from: carol.playerId, text: 'still here' });
  });
});

/** What the servers log with console.error from now until the test ends (kept off the test output). */
function errorsLogged(): string[] {
  const errors: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((message: unknown) => {
    errors.push(String(message));
  });
  return errors;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('two processes given the same node id', () => {
  it('the older one stops listing and takes no new rooms, saying so, instead of the two undoing each other', async () => {
    const registry = new MemoryRegistry();
    const errors = errorsLogged();
    const first = await node(registry, 'node-a');
    await expect.poll(async () => (await registry.listNodes()).length).toBe(1);
    const second = await node(registry, 'node-a');
    const alice = await connected(second);
    const room = await alice.create('test');
    // Several heartbeats of both: the room stays listed throughout, under the second's URL.
    for (let check = 0; check < 8; check++) {
      await sleep(100);
      expect((await registry.getRoom(room.roomId))?.roomId).toBe(room.roomId);
    }
    expect(first.server.rooms.draining).toBe(true);
    expect(second.server.rooms.draining).toBe(false);
    // A load balancer's health check sends no new players to the one that gave its id up.
    const health = async (server: { httpUrl: string }) => {
      const response = await fetch(`${server.httpUrl}/healthz`);
      return { status: response.status, ...((await response.json()) as { ok: boolean; reason?: string }) };
    };
    expect(await health(first)).toMatchObject({ status: 503, ok: false, reason: 'node id given up' });
    expect(await health(second)).toMatchObject({ status: 200, ok: true });
    expect((await registry.listNodes()).map((info) => info.url)).toEqual([second.wsUrl]);
    expect(errors.filter((message) => message.includes("node id 'node-a' is in use"))).toHaveLength(1);
    const counters = (first.server.metrics as CountingMetrics).snapshot();
    expect(counters.node_id_conflicts_total).toBe(1);
    // The older one stops (a restart whose new process came up first): the newer one's listing stays.
    await first.close();
    expect((await registry.listNodes()).map((info) => info.url)).toEqual([second.wsUrl]);
    expect((await registry.getRoom(room.roomId))?.roomId).toBe(room.roomId);
  });

  it('the older one drains its players to the newer one, which has the same id', async () => {
    const registry = new MemoryRegistry();
    errorsLogged();
    const first = await node(registry, 'node-a');
    const bob = await connected(first);
    await bob.create('test');
    await expect.poll(async () => (await registry.listNodes()).length).toBe(1);
    const second = await node(registry, 'node-a');
    await expect.poll(() => first.server.rooms.draining).toBe(true);
    const moved = new Promise<string>((resolve) => bob.on('moved', ({ url }) => resolve(url)));
    void first.server.drain({ deadlineMs: 0 });
    expect(await moved).toBe(second.wsUrl);
  });
});

describe('two nodes given the same public URL', () => {
  it('the second one says so at its first heartbeat', async () => {
    const registry = new MemoryRegistry();
    const errors = errorsLogged();
    const first = await node(registry, 'node-a');
    await expect.poll(async () => (await registry.listNodes()).length).toBe(1);
    const copied = await startServer(
      { test: TestRoom },
      { registry, nodeId: 'node-b', publicUrl: first.wsUrl, nodeTtlMs: 600 },
    );
    servers.push(copied);
    // Checked a node TTL (600 ms) after its first heartbeat, when a crashed predecessor would be gone.
    await expect
      .poll(
        () =>
          errors.filter((message) => message.includes(`its public URL ${first.wsUrl} is also node node-a's`)),
        { timeout: 3_000 },
      )
      .toHaveLength(1);
    expect((copied.server.metrics as CountingMetrics).snapshot().node_url_conflicts_total).toBe(1);
  });

  it('a restart under a new id at a crashed node’s URL says nothing: the crashed record expires first', async () => {
    const registry = new MemoryRegistry();
    const errors = errorsLogged();
    const url = 'ws://127.0.0.1:1/ws';
    // The crashed process's last heartbeat, still live for 500 ms.
    await registry.heartbeat({ nodeId: 'node-old', url, draining: false, bootId: 'crashed' }, 500, false);
    const restarted = await startServer(
      { test: TestRoom },
      { registry, nodeId: 'node-new', publicUrl: url, nodeTtlMs: 600 },
    );
    servers.push(restarted);
    await sleep(1_500);
    expect(errors.filter((message) => message.includes('is also node'))).toEqual([]);
    expect((restarted.server.metrics as CountingMetrics).snapshot().node_url_conflicts_total).toBeUndefined();
  });
});
