import { Redis } from 'ioredis';
import { type ListingChange, RedisRegistry } from 'vehikill-net/server';
import { describe, expect, it, vi } from 'vitest';
import { useRedis } from '../support/redis.js';
import { channelContract } from '../unit/server/registry-channel-contract.js';
import {
  crossNodeContract,
  registryContract,
  sampleListing,
  sampleNode,
  subscribed,
} from '../unit/server/registry-contract.js';

const redis = useRedis();
let prefixes = 0;

const connect = (keyPrefix: string) => RedisRegistry.connect({ url: redis.url, keyPrefix });
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

registryContract('redis', () => connect(`contract${prefixes++}:`), { pass: sleep });

crossNodeContract('two connections sharing one Redis', () =>
  Promise.all([connect(`pair${prefixes}:`), connect(`pair${prefixes++}:`)]),
);

channelContract('two connections sharing one Redis', () =>
  Promise.all([connect(`channels${prefixes}:`), connect(`channels${prefixes++}:`)]),
);

const listing = sampleListing;
const node = sampleNode;

describe('Redis registry across nodes (two connections sharing one Redis)', () => {
  it('a node that stops heartbeating disappears with its rooms, and the other node is told', async () => {
    const [a, b] = await Promise.all([connect('expiry:'), connect('expiry:')]);
    const removed: string[] = [];
    b.subscribe((change) => {
      if (change.change === 'removed') removed.push(change.roomId);
    });
    await a.heartbeat(node('node-a'), 300);
    await b.heartbeat(node('node-b'), 60_000);
    await a.addRoom(listing('roomA'));
    await a.close(); // node a is gone without a word
    await sleep(500);
    await b.heartbeat(node('node-b'), 60_000);
    expect(await b.listRooms({})).toEqual([]);
    for (let i = 0; i < 100 && removed.length === 0; i++) await sleep(10);
    expect(removed).toEqual(['roomA']);
    await b.close();
  });

  it('an ordered quick play finds an unordered room behind many ordered ones that fail its filter', async () => {
    const registry = await connect('mixed-budget:');
    const fullest = { by: 'clients', direction: -1 } as const;
    // 200 ordered rooms of another mode: fewer than a listing looks at (256), but twice as many are not.
    for (let i = 1; i <= 200; i++) {
      await registry.addRoom(listing(`room${i}`, { order: fullest, metadata: { mode: 'ctf' } }));
    }
    await registry.addRoom(listing('room201', { metadata: { mode: 'ffa' } }));
    const found = await registry.listRooms({
      type: 'arena',
      order: fullest,
      filter: { mode: 'ffa' },
      limit: 1,
    });
    expect(found.map((room) => room.roomId)).toEqual(['room201']);
    await registry.close();
  });

  it('builds its open-room indexes at the first heartbeat over a listing written without them', async () => {
    const registry = await connect('unindexed:');
    await registry.addRoom(listing('room1'));
    await registry.addRoom(listing('room2', { maxClients: 1 }), ['p1']);
    await registry.addRoom(listing('room3', { type: 'race' }));
    // What a listing written by a version without the indexes looks like.
    const admin = new Redis(redis.url);
    await admin.del(
      'unindexed:open',
      'unindexed:open-type:arena',
      'unindexed:open-type:race',
      'unindexed:indexed',
    );
    expect(await registry.listRooms({})).toEqual([]);
    await registry.heartbeat(node('node-a'), 60_000);
    expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room1', 'room3']);
    expect((await registry.listRooms({ type: 'arena' })).map((room) => room.roomId)).toEqual(['room1']);
    expect(await admin.get('unindexed:indexed')).toBe('2');
    admin.disconnect();
    await registry.close();
  });

  it('builds its public-room indexes at the first heartbeat over a listing indexed by the version before them', async () => {
    const registry = await connect('open-indexed:');
    await registry.addRoom(listing('room1', { maxClients: 1 }), ['p1']);
    await registry.addRoom(listing('room2', { private: true, code: 'OLDPARTY' }));
    await registry.addRoom(listing('room3', { type: 'race', locked: true }));
    // What a listing written by the version with open indexes only looks like.
    const admin = new Redis(redis.url);
    await admin.del('open-indexed:public', 'open-indexed:public-type:arena', 'open-indexed:public-type:race');
    await admin.set('open-indexed:indexed', '1');
    const ids = async (query: Parameters<RedisRegistry['listRooms']>[0]) =>
      (await registry.listRooms(query)).map((room) => room.roomId);
    expect(await ids({ includeFull: true, includeLocked: true })).toEqual([]);
    await registry.heartbeat(node('node-a'), 60_000);
    expect(await ids({ includeFull: true, includeLocked: true })).toEqual(['room1', 'room3']);
    expect(await ids({ type: 'arena', includeFull: true })).toEqual(['room1']);
    expect(await admin.get('open-indexed:indexed')).toBe('2');
    admin.disconnect();
    await registry.close();
  });

  it('sweeps the rooms of nodes never recorded that a version before the `unrecorded` set wrote', async () => {
    const registry = await connect('legacy-unrecorded:');
    await registry.heartbeat(node('node-b'), 60_000);
    await registry.addRoom(listing('room1', { nodeId: 'node-old', private: true, code: 'OLDONE' }));
    await registry.addRoom(listing('room2', { nodeId: 'node-b' }));
    await registry.addRoom(listing('room3', { nodeId: 'node-new' }));
    await registry.addRoom(listing('room4', { nodeId: 'node-gone' }));
    await registry.removeNode('node-gone');
    await registry.addRoom(listing('room5', { nodeId: 'node-gone' }));
    // What that version left: nodes with rooms but no entry in the set (it kept none), and no mark of this
    // version's pass over them.
    const admin = new Redis(redis.url);
    await admin.del('legacy-unrecorded:unrecorded', 'legacy-unrecorded:unrecorded-kept');
    // Out of every lookup already, as no recorded node vouches for them: but kept for good, code and all.
    expect(await registry.getRoom('room1')).toBeUndefined();
    // The first heartbeat of this version: room1 goes; room3's node is the one heartbeating (its rooms are
    // its own to put right, as at any first heartbeat); room5's was swept, and goes as it always did.
    expect(await registry.heartbeat(node('node-new'), 60_000)).toBe(false);
    expect(await admin.exists('legacy-unrecorded:room:room1', 'legacy-unrecorded:code:OLDONE')).toBe(0);
    expect(await admin.sismember('legacy-unrecorded:node-rooms:node-old', 'room1')).toBe(0);
    expect((await registry.listRooms({ includePrivate: true })).map((room) => room.roomId)).toEqual([
      'room2',
      'room3',
    ]);
    // Once: what this version writes is in the set, and a node never recorded keeps its TTL's grace.
    expect(await admin.get('legacy-unrecorded:unrecorded-kept')).toBe('1');
    await registry.addRoom(listing('room6', { nodeId: 'node-late' }));
    await registry.heartbeat(node('node-b'), 60_000, true);
    expect((await registry.getRoom('room6'))?.nodeId).toBe('node-late');
    admin.disconnect();
    await registry.close();
  });

  it('drops index entries of rooms that are gone (removed by an earlier version) rather than look at them for ever', async () => {
    const registry = await connect('stale-index:');
    await registry.heartbeat(node('node-a'), 60_000);
    const admin = new Redis(redis.url);
    // 300 public rooms an earlier version removed, without taking them out of the indexes it did not know.
    for (const key of ['public', 'public-type:arena', 'open', 'open-type:arena']) {
      await admin.zadd(
        `stale-index:${key}`,
        ...Array.from({ length: 300 }, (_, i) => [i, `gone${i}`]).flat(),
      );
    }
    await registry.addRoom(listing('room301', { maxClients: 1 }), ['p1']);
    await registry.addRoom(listing('room302'));
    const ids = async (query: Parameters<RedisRegistry['listRooms']>[0]) =>
      (await registry.listRooms(query)).map((room) => room.roomId);
    expect(await ids({ type: 'arena', includeFull: true, limit: 5 })).toEqual(['room301', 'room302']);
    expect(await ids({ type: 'arena', limit: 5 })).toEqual(['room302']);
    expect(await admin.zcard('stale-index:public-type:arena')).toBe(2);
    expect(await admin.zcard('stale-index:open-type:arena')).toBe(1);
    admin.disconnect();
    await registry.close();
  });

  it('passes over records it cannot read (written by another version, say) rather than failing on them', async () => {
    const registry = await connect('foreign:');
    await registry.heartbeat(node('node-a'), 60_000);
    await registry.addRoom(listing('room1'));
    const admin = new Redis(redis.url);
    // A node record that is no JSON, and one without the URL players are sent to.
    await admin.set('foreign:node:node-x', 'node-x@ws://10.0.0.9/ws', 'PX', 60_000);
    const noUrl = JSON.stringify({ nodeId: 'node-y', address: 'ws://10.0.0.8/ws', bootId: 'b' });
    await admin.set('foreign:node:node-y', noUrl, 'PX', 60_000);
    await admin.sadd('foreign:nodes', 'node-x', 'node-y');
    // A listing Redis's cjson reads (it takes NaN), JSON.parse does not.
    const room2 =
      '{"roomId":"room2","type":"arena","private":false,"maxClients":4,"metadata":{"rating":NaN},' +
      '"nodeId":"node-a","locked":false,"createdAt":2}';
    await admin.set('foreign:room:room2', room2);
    for (const key of ['rooms', 'open', 'open-type:arena']) await admin.zadd(`foreign:${key}`, 2, 'room2');
    await admin.sadd('foreign:node-rooms:node-a', 'room2');
    expect((await registry.listNodes()).map((listed) => listed.nodeId)).toEqual(['node-a']);
    expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room1']);
    expect(await registry.getRoom('room2')).toBeUndefined();
    expect((await registry.getRoom('room1'))?.roomId).toBe('room1');
    admin.disconnect();
    await registry.close();
  });

  it("removing a room whose listing it cannot read frees the room's private code", async () => {
    const registry = await connect('unreadable-code:');
    await registry.heartbeat(node('node-a'), 60_000);
    await registry.addRoom(listing('room1', { private: true, code: 'HALFGONE' }));
    await registry.addRoom(listing('room2', { private: true, code: 'ALLGONE' }));
    const admin = new Redis(redis.url);
    // Listings this version cannot read: one without the fields the scripts need, one no JSON at all.
    await admin.set('unreadable-code:room:room1', JSON.stringify({ roomId: 'room1', code: 'HALFGONE' }));
    await admin.set('unreadable-code:room:room2', 'room2@ALLGONE');
    await registry.removeRoom('room1');
    await registry.removeRoom('room2');
    expect(await admin.exists('unreadable-code:code:HALFGONE')).toBe(0);
    expect(await registry.addRoom(listing('room3', { private: true, code: 'HALFGONE' }))).toBe(true);
    expect(await registry.addRoom(listing('room4', { private: true, code: 'ALLGONE' }))).toBe(true);
    expect((await registry.findByCode('ALLGONE'))?.roomId).toBe('room4');
    admin.disconnect();
    await registry.close();
  });

  it('an update of a listing it cannot read answers that the room is missing, so its node writes it again', async () => {
    const registry = await connect('unreadable-update:');
    await registry.heartbeat(node('node-a'), 60_000);
    await registry.addRoom(listing('room1'));
    const admin = new Redis(redis.url);
    // A record, but without the fields the scripts need (its size): not one the room could be listed by.
    await admin.set('unreadable-update:room:room1', JSON.stringify({ roomId: 'room1', nodeId: 'node-a' }));
    expect(await registry.updateRoom('room1', { locked: true })).toBe(false);
    // Written again by its node (as reconciling does), it is listed and updates work.
    expect(await registry.addRoom(listing('room1'))).toBe(true);
    expect(await registry.updateRoom('room1', { metadata: { map: 'dunes' } })).toBe(true);
    expect((await registry.getRoom('room1'))?.metadata).toEqual({ map: 'dunes' });
    admin.disconnect();
    await registry.close();
  });

  it('fails with REGISTRY_UNAVAILABLE while Redis is down and works again once it is back', async () => {
    const registry = await connect('outage:');
    await redis.stop();
    await expect(registry.listRooms({})).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    await redis.restart();
    await registry.ready(5_000);
    expect(await registry.addRoom(listing('room1'))).toBe(true);
    expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room1']);
    await registry.close();
  });

  it('after Redis restarted (from a snapshot, say), the next heartbeat says the node is not known', async () => {
    // A Redis restored from a snapshot still holds the node's record (same boot) but not what was
    // written after the snapshot: only the node can put its rooms back, so it must be told to.
    const registry = await connect('restored:');
    const info = node('node-a');
    expect(await registry.heartbeat(info, 60_000)).toBe(false);
    expect(await registry.heartbeat(info, 60_000)).toBe(true);
    await registry.addRoom(listing('room1'));
    // The snapshot: the node's record and room1, whose keys are restored after the restart.
    const admin = new Redis(redis.url);
    const keys = await admin.keys('restored:*');
    const dumped = await Promise.all(keys.map(async (key) => [key, await admin.dumpBuffer(key)] as const));
    await admin.quit();
    // Made after the snapshot: lost with the restart.
    await registry.addRoom(listing('room2'));
    await redis.restart();
    const restore = new Redis(redis.url);
    for (const [key, value] of dumped) await restore.restore(key, 0, value as Buffer);
    await restore.pexpire('restored:node:node-a', 60_000);
    await restore.quit();
    await registry.ready(5_000);
    expect((await registry.listRooms({})).map((room) => room.roomId)).toEqual(['room1']);
    expect(await registry.heartbeat(info, 60_000)).toBe(false);
    // What the node lists is its own to write again (a server does so at once, as it has them): a room
    // the snapshot holds and the node ended since must not outlive that, so the heartbeat leaves it none.
    expect(await registry.listRooms({ includePrivate: true })).toEqual([]);
    // Once: the heartbeat after that is an ordinary one.
    expect(await registry.heartbeat(info, 60_000)).toBe(true);
    await registry.close();
  });

  it('after Redis restarted from an older snapshot, the first node back sweeps no live node', async () => {
    const [a, b] = await Promise.all([connect('older:'), connect('older:')]);
    await a.heartbeat(node('node-a'), 1_500);
    await b.heartbeat(node('node-b'), 1_500);
    await a.addRoom(listing('roomA1'));
    const admin = new Redis(redis.url);
    const keys = await admin.keys('older:*');
    const dumped = await Promise.all(keys.map(async (key) => [key, await admin.dumpBuffer(key)] as const));
    await admin.quit();
    await redis.restart();
    const restore = new Redis(redis.url);
    for (const [key, value] of dumped) await restore.restore(key, 0, value as Buffer);
    // The snapshot is older than node-a's last heartbeat: by its times, node-a's record has expired.
    await restore.del('older:node:node-a');
    await restore.quit();
    await Promise.all([a.ready(5_000), b.ready(5_000)]);
    // node-b comes back first: node-a, alive, must not be swept before it heartbeats.
    await b.heartbeat(node('node-b'), 1_500, true);
    expect((await b.getRoom('roomA1'))?.nodeId).toBe('node-a');
    expect((await b.listNodes()).map((listed) => listed.nodeId).sort()).toEqual(['node-a', 'node-b']);
    await Promise.all([a.close(), b.close()]);
  });

  it('reads the TTLs of listed nodes only, and starts no grace over keys written before TTLs were kept', async () => {
    const [a, b] = await Promise.all([connect('layout:'), connect('layout:')]);
    const admin = new Redis(redis.url);
    await a.heartbeat(node('node-a'), 300);
    // What an older version leaves: a TTL of a node it swept, and a listed node without one.
    await admin.hset('layout:node-ttl', 'swept-long-ago', '60000');
    await admin.hdel('layout:node-ttl', 'node-a');
    await a.heartbeat(node('node-a'), 300, true);
    expect(await admin.pttl('layout:stall-grace')).toBe(-2);
    await b.heartbeat(node('node-b'), 300);
    await b.addRoom(listing('roomB1', { nodeId: 'node-b' }));
    // A stall longer than the listed nodes' TTLs (not the swept node's) is seen as one.
    await sleep(450);
    await a.heartbeat(node('node-a'), 300, true);
    expect((await a.getRoom('roomB1'))?.nodeId).toBe('node-b');
    expect(await admin.hexists('layout:node-ttl', 'swept-long-ago')).toBe(0);
    await admin.quit();
    await Promise.all([a.close(), b.close()]);
  });

  it('heartbeats as a Redis user that may not run INFO (seeing no restart then)', async () => {
    const admin = new Redis(redis.url);
    await admin.call('ACL', 'SETUSER', 'limited', 'on', '>secret', '~*', '&*', '+@all', '-@dangerous');
    await admin.quit();
    const limited = await RedisRegistry.connect({
      url: `redis://limited:secret@127.0.0.1:${redis.port}`,
      keyPrefix: 'acl:',
    });
    expect(await limited.heartbeat(node('node-a'), 60_000)).toBe(false);
    expect(await limited.heartbeat(node('node-a'), 60_000)).toBe(true);
    await limited.close();
  });

  it('a reconnect to the same Redis (a network blip) leaves the listing as it is', async () => {
    const registry = await connect('blip:');
    const info = node('node-a');
    await registry.heartbeat(info, 60_000);
    await registry.addRoom(listing('room1'));
    const admin = new Redis(redis.url);
    // Cuts every normal client's connection (the admin's own survives: SKIPME is the default).
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal');
    await admin.quit();
    await registry.ready(5_000);
    expect(await registry.heartbeat(info, 60_000)).toBe(true);
    expect((await registry.getRoom('room1'))?.roomId).toBe('room1');
    await registry.close();
  });

  it('a subscription made while Redis is down comes into place once it is back', async () => {
    const listener = await connect('late-subscriber:');
    await redis.stop();
    const changes: ListingChange[] = [];
    listener.subscribe((change) => changes.push(change));
    // Long enough for every retry a plain command gets (it fails within ~150 ms): the SUBSCRIBE must wait.
    await sleep(1_000);
    await redis.restart();
    await listener.ready(5_000);
    const writer = await connect('late-subscriber:');
    await subscribed(writer, changes);
    await writer.addRoom(listing('room1'));
    await expect.poll(() => changes).toContainEqual({ change: 'added', roomId: 'room1' });
    await Promise.all([listener.close(), writer.close()]);
  });

  // A lobby lists again on `reset`: a change published from then on must reach it, or the listing it
  // reads may miss it for good. ioredis says `ready` before it subscribes again.
  it('tells its subscribers to list again only once its subscription is back in place', async () => {
    const [listener, writer] = await Promise.all([connect('reset-order:'), connect('reset-order:')]);
    const publisher = new Redis(redis.url);
    const changes: ListingChange[] = [];
    listener.subscribe((change) => {
      changes.push(change);
      // Published the moment the lobby would list again.
      if (change.change === 'reset')
        void publisher.publish('reset-order:lobby', JSON.stringify({ change: 'added', roomId: 'racer' }));
    });
    await subscribed(writer, changes);
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await expect.poll(() => changes, { timeout: 5_000 }).toContainEqual({ change: 'reset' });
    await expect.poll(() => changes).toContainEqual({ change: 'added', roomId: 'racer' });
    admin.disconnect();
    publisher.disconnect();
    await Promise.all([listener.close(), writer.close()]);
  });

  it('tells its subscribers to list again when its subscription comes back after being cut', async () => {
    const [listener, writer] = await Promise.all([connect('cut:'), connect('cut:')]);
    const changes: ListingChange[] = [];
    listener.subscribe((change) => changes.push(change));
    await subscribed(writer, changes);
    // The server drops the subscriber connection (a failover, a proxy restart): changes published until
    // it is back are lost, so the lobby must hear that it has to list again.
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await expect.poll(() => changes, { timeout: 5_000 }).toContainEqual({ change: 'reset' });
    await subscribed(writer, changes);
    await writer.addRoom(listing('room1'));
    await expect.poll(() => changes).toContainEqual({ change: 'added', roomId: 'room1' });
    admin.disconnect();
    await Promise.all([listener.close(), writer.close()]);
  });

  // An app reads again what it keeps in step when told: a message published from then on must reach it.
  it('a channel: tells its subscriptions in place of the gap once theirs is back after being cut', async () => {
    const [listener, writer] = await Promise.all([connect('channel-gap:'), connect('channel-gap:')]);
    const events: string[] = [];
    await listener.subscribeChannel(
      'news',
      (message) => events.push(message),
      () => {
        events.push('gap');
        // Published the moment the app would read again.
        void writer.publish('news', 'racer');
      },
    );
    const gone = await listener.subscribeChannel(
      'news',
      () => {},
      () => events.push('disposed told'),
    );
    gone();
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await expect.poll(() => events, { timeout: 5_000 }).toEqual(['gap', 'racer']);
    admin.disconnect();
    await Promise.all([listener.close(), writer.close()]);
  });

  it('a channel: tells its subscriptions in place that they are down when the connection is lost, then of the gap', async () => {
    const listener = await connect('channel-down:');
    const events: string[] = [];
    await listener.subscribeChannel(
      'news',
      () => {},
      () => events.push('gap'),
      () => events.push('down'),
    );
    // Without an onGap nothing would say it is back: not told it is down either.
    await listener.subscribeChannel(
      'news',
      () => {},
      undefined,
      () => events.push('down, no gap'),
    );
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await expect.poll(() => events, { timeout: 5_000 }).toContain('gap');
    expect(events.slice(0, events.indexOf('gap') + 1)).toEqual(['down', 'gap']);
    expect(events).not.toContain('down, no gap');
    admin.disconnect();
    await listener.close();
  });

  it('a channel: an onGap that throws is logged as the gap callback it is, with its channel', async () => {
    const [listener, writer] = await Promise.all([connect('gap-throws:'), connect('gap-throws:')]);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const heard: string[] = [];
    await listener.subscribeChannel(
      'news',
      (message) => heard.push(message),
      () => {
        throw new Error('resync bug');
      },
    );
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await expect.poll(() => logged.mock.calls.length, { timeout: 5_000 }).toBeGreaterThan(0);
    const lines = logged.mock.calls.map(([line]) => String(line));
    expect(lines).toContainEqual(expect.stringContaining("a gap on 'gap-throws:ch:news' (in its onGap)"));
    expect(lines.join('\n')).not.toContain('a message on');
    // The subscription goes on.
    await expect.poll(() => writer.publish('news', 'after'), { timeout: 5_000 }).toBe(1);
    await expect.poll(() => heard).toEqual(['after']);
    logged.mockRestore();
    admin.disconnect();
    await Promise.all([listener.close(), writer.close()]);
  });

  it('a channel: publishing fails REGISTRY_UNAVAILABLE while Redis is down, and a subscription made then holds once it is back', async () => {
    const [listener, writer] = await Promise.all([connect('channel-outage:'), connect('channel-outage:')]);
    await redis.stop();
    await expect(writer.publish('news', 'lost')).rejects.toMatchObject({ code: 'REGISTRY_UNAVAILABLE' });
    const heard: string[] = [];
    const subscribing = listener.subscribeChannel('news', (message) => heard.push(message));
    await sleep(1_000);
    await redis.restart();
    await subscribing;
    await writer.ready(5_000);
    expect(await writer.publish('news', 'back')).toBe(1);
    await expect.poll(() => heard).toEqual(['back']);
    // A cut subscriber connection (a failover, a proxy restart) subscribes again by itself.
    const admin = new Redis(redis.url);
    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await expect.poll(() => writer.publish('news', 'again'), { timeout: 5_000 }).toBe(1);
    await expect.poll(() => heard).toContain('again');
    admin.disconnect();
    await Promise.all([listener.close(), writer.close()]);
  });
});
