import * as v from 'valibot';
import type { Client } from 'vehikill-net/client';
import { ErrorCode, Kind } from 'vehikill-net/protocol';
import type { GameServerOptions, RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { ignored } from '../support/ignored.js';
import { RawClient } from '../support/raw-client.js';
import { rawSession } from '../support/raw-session.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

class ShoutRoom extends TestRoom {
  static created: ShoutRoom[] = [];
  override onCreate(options: unknown): void {
    super.onCreate(options);
    ShoutRoom.created.push(this);
    this.onMessage('shout', v.string(), (_client, text) =>
      this.broadcast('shout', text, { class: 'expiring', ttlMs: 100 }),
    );
  }
  override onAway(client: RoomClient): void {
    this.events.push(`away:${client.playerId}`);
  }
  override onResume(client: RoomClient): void {
    this.events.push(`resume:${client.playerId}`);
  }
}

let t: TestServer;
let proxy: TcpProxy;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

async function setup(options: GameServerOptions = {}) {
  t = await startServer({ test: ShoutRoom }, options);
  proxy = new TcpProxy(t.port);
  await proxy.listen();
  const viaProxy = (client: Client) => client;
  const alice = t.client();
  const bob = viaProxy(t.client({ url: `ws://127.0.0.1:${proxy.port}/ws` }));
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  return { alice, bob, aliceRoom, bobRoom };
}

describe('sessions', () => {
  it('resumes a dropped socket within the grace period: same seat, others see away then back', async () => {
    const { bob, aliceRoom, bobRoom } = await setup();
    const presence: string[] = [];
    aliceRoom.on('member-away', () => presence.push('away'));
    aliceRoom.on('member-back', () => presence.push('back'));
    const reconnects: Array<{ resumed: boolean }> = [];
    bob.on('reconnect', (event) => reconnects.push(event));
    const playerId = bob.playerId;
    proxy.dropAll();
    await eventually(() => reconnects.length === 1, 'bob reconnects');
    expect(reconnects[0]?.resumed).toBe(true);
    expect(bob.playerId).toBe(playerId);
    expect(bob.room).toBe(bobRoom);
    await eventually(() => presence.length === 2, 'presence events');
    expect(presence).toEqual(['away', 'back']);
    expect(aliceRoom.members.find((m) => m.playerId === playerId)?.away).toBe(false);
  });

  it('connect() called while reconnecting resolves when the session resumes', async () => {
    const { bob } = await setup();
    proxy.block();
    await eventually(() => bob.state === 'reconnecting', 'bob is reconnecting');
    let settled = 'pending';
    bob.connect().then(
      () => (settled = 'resolved'),
      () => (settled = 'rejected'),
    );
    proxy.unblock();
    await eventually(() => settled !== 'pending', 'connect() settles', 10_000);
    expect(settled).toBe('resolved');
    expect(bob.state).toBe('open');
  });

  it('a resume replacing a path gone silent (never seen to close): others see away then back, as for a drop', async () => {
    // The server would take 30 s to notice the silent path: the client notices first and resumes.
    t = await startServer({ test: ShoutRoom }, { heartbeatMs: 10_000 });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const alice = t.client();
    const bob = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws`, deadServerTimeoutMs: 400 });
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceRoom = await alice.create('test');
    await bob.join(aliceRoom.roomId);
    const room = ShoutRoom.created.at(-1);
    const presence: string[] = [];
    aliceRoom.on('member-away', () => presence.push('away'));
    aliceRoom.on('member-back', () => presence.push('back'));
    const reconnects: Array<{ resumed: boolean }> = [];
    bob.on('reconnect', (event) => reconnects.push(event));
    proxy.freezeOpen(); // a network switch: the old path goes silent, a new one works
    await eventually(() => reconnects.length === 1, 'bob resumes on a new path', 5_000);
    expect(reconnects[0]?.resumed).toBe(true);
    await eventually(() => presence.includes('back'), 'bob is back');
    expect(presence).toEqual(['away', 'back']);
    expect(room?.events.filter((event) => !event.startsWith('join:'))).toEqual([
      `away:${bob.playerId}`,
      `resume:${bob.playerId}`,
    ]);
    expect(aliceRoom.members.find((m) => m.playerId === bob.playerId)?.away).toBe(false);
  });

  it('after the grace period: a clear SESSION_EXPIRED, the seat is gone, and a fresh session starts', async () => {
    const { bob, aliceRoom, bobRoom } = await setup({ graceMs: 150 });
    const oldId = bob.playerId;
    const expired: string[] = [];
    bob.on('session-expired', ({ message }) => expired.push(message));
    const roomLeft: string[] = [];
    bobRoom.on('leave', ({ reason }) => roomLeft.push(reason));
    const othersSaw: string[] = [];
    aliceRoom.on('member-leave', ({ reason }) => othersSaw.push(reason));
    proxy.block();
    await eventually(() => othersSaw.length === 1, 'grace expiry seen by alice');
    expect(othersSaw).toEqual([ErrorCode.SESSION_EXPIRED]);
    proxy.unblock();
    await eventually(
      () => bob.state === 'open' && bob.playerId !== undefined && bob.playerId !== oldId,
      'fresh session',
    );
    expect(expired).toHaveLength(1);
    expect(roomLeft).toEqual([ErrorCode.SESSION_EXPIRED]);
    expect(bob.room).toBeUndefined();
  });

  it('refuses a forged resume token without disturbing the real player', async () => {
    const { alice, bob, aliceRoom, bobRoom } = await setup();
    const presence: string[] = [];
    aliceRoom.on('member-away', () => presence.push('away'));
    aliceRoom.on('member-leave', () => presence.push('leave'));
    const forger = new RawClient(t.wsUrl, t.server.issueGuestToken('mallory'));
    await forger.opened;
    forger.hello({ playerId: bob.playerId!, token: 'A'.repeat(43), ack: 0 });
    await forger.closed;
    expect(forger.received(Kind.Error).map((error) => error.code)).toEqual([ErrorCode.RESUME_REJECTED]);
    // Bob keeps his seat and his socket; chat still flows both ways.
    const heard: unknown[] = [];
    bobRoom.onMessage('chat', (data) => heard.push(data));
    aliceRoom.send('chat', { text: 'still there?' });
    await eventually(() => heard.length === 1, 'bob hears alice');
    expect(presence).toEqual([]);
    expect(bob.state).toBe('open');
    expect(alice.state).toBe('open');
  });

  it('a forged resume while the real player is away neither takes the seat nor moves the grace timer', async () => {
    const { bob, aliceRoom } = await setup({ graceMs: 1_500 });
    const events: string[] = [];
    aliceRoom.on('member-back', () => events.push('back'));
    aliceRoom.on('member-leave', ({ reason }) => events.push(`leave:${reason}`));
    proxy.block();
    await eventually(() => aliceRoom.members.some((m) => m.away), 'bob away');
    // Forged halfway through the grace period: expiry on the original schedule comes ~800 ms later, a
    // restarted period 1,500 ms later; far enough apart for a loaded machine's stalls.
    await sleep(700);
    const forgedAt = Date.now();
    const forger = new RawClient(t.wsUrl, t.server.issueGuestToken('mallory'));
    await forger.opened;
    forger.hello({ playerId: bob.playerId!, token: 'B'.repeat(43), ack: 0 });
    await forger.closed;
    expect(forger.received(Kind.Error).map((error) => error.code)).toEqual([ErrorCode.RESUME_REJECTED]);
    await eventually(() => events.length === 1, 'grace expiry', 5_000);
    expect(events).toEqual([`leave:${ErrorCode.SESSION_EXPIRED}`]);
    // Expired on the original schedule: the forged attempt did not restart the grace period.
    expect(Date.now() - forgedAt).toBeLessThan(1_500);
    proxy.unblock();
  });

  it('an outbox overflow while away keeps the seat and forces a resync of the room state', async () => {
    const { bob, aliceRoom, bobRoom } = await setup({ outboxMessages: 8 });
    const resyncs: boolean[] = [];
    bob.on('reconnect', ({ resync }) => resyncs.push(resync));
    const states: unknown[] = [];
    bobRoom.on('state', ({ state }) => states.push(state));
    proxy.block();
    await eventually(() => aliceRoom.members.some((m) => m.away), 'bob away');
    for (let i = 0; i < 20; i++) aliceRoom.send('chat', { text: `m${i}` });
    await sleep(100);
    proxy.unblock();
    await eventually(() => resyncs.length === 1 && states.length === 1, 'resync after overflow');
    expect(resyncs).toEqual([true]);
    expect((states[0] as { log: string[] }).log).toHaveLength(20);
    expect(bob.room).toBe(bobRoom);
  });

  it('replays 450 messages sent while away within the server rate limit: one reconnect, nothing lost', async () => {
    const { bob, aliceRoom, bobRoom } = await setup();
    const reconnects: unknown[] = [];
    bob.on('reconnect', (event) => reconnects.push(event));
    const errors: string[] = [];
    bob.on('drop', ({ reason }) => errors.push(reason));
    const heard: string[] = [];
    aliceRoom.onMessage('chat', (data) => heard.push((data as { text: string }).text));
    bobRoom.onMessage('chat', ignored); // his own lines, back from the room
    proxy.block();
    await eventually(() => aliceRoom.members.some((m) => m.away), 'bob away');
    // 15 s of chat at 30 a second: nearly twice the server's burst of 240 messages.
    for (let i = 0; i < 450; i++) bobRoom.send('chat', { text: `m${i}` });
    proxy.unblock();
    await eventually(() => heard.length === 450, 'every message delivered', 15_000);
    expect(heard).toEqual(Array.from({ length: 450 }, (_, i) => `m${i}`));
    expect(reconnects).toHaveLength(1);
    expect(errors.filter((reason) => reason.includes('RATE_LIMITED'))).toEqual([]);
  });

  it('a client sending at its whole budget while acking what it hears stays under the server limit', async () => {
    const { alice, aliceRoom, bobRoom } = await setup();
    const drops: string[] = [];
    alice.on('drop', ({ reason }) => drops.push(reason));
    let heard = 0;
    aliceRoom.onMessage('chat', () => heard++);
    bobRoom.onMessage('chat', ignored); // Bob is only there to hear them too
    // Far past the budget at once: the client paces them; each comes back to both players, and Alice's
    // acks of what she hears go to the server too.
    for (let i = 0; i < 800; i++) aliceRoom.send('chat', { text: `m${i}` });
    await eventually(() => heard === 800, 'every chat back', 20_000);
    expect(drops).toEqual([]);
  });

  it('requests made while sending at the whole budget are charged to it: nobody is cut off', async () => {
    const { alice, aliceRoom, bobRoom } = await setup();
    const drops: string[] = [];
    alice.on('drop', ({ reason }) => drops.push(reason));
    // The chat only fills the budget: nobody reads it.
    aliceRoom.onMessage('chat', ignored);
    bobRoom.onMessage('chat', ignored);
    // Room messages past the budget (the client paces them), and a lobby asking for rooms meanwhile.
    const pump = setInterval(() => {
      for (let i = 0; i < 2; i++) aliceRoom.send('chat', { text: 'go' });
    }, 10);
    // For 4 s (the budget is spent within 2.3 s of it) and for 20 listings at least: a loaded machine
    // answers more slowly, and the count is what shows requests keep going ahead of the waiting chat.
    let answered = 0;
    const until = Date.now() + 4_000;
    try {
      while (Date.now() < until || answered <= 20) {
        await alice.listRooms();
        answered++;
        await sleep(25);
      }
    } finally {
      clearInterval(pump);
    }
    expect(drops).toEqual([]);
  });

  it('a client dropped while sending at its whole budget resumes without going past the server limit', async () => {
    const { bob, bobRoom, aliceRoom } = await setup();
    const drops: string[] = [];
    bob.on('drop', ({ reason }) => drops.push(reason));
    const reconnects: unknown[] = [];
    bob.on('reconnect', (event) => reconnects.push(event));
    let heard = 0;
    aliceRoom.onMessage('chat', () => heard++);
    bobRoom.onMessage('chat', ignored); // his own lines, back from the room
    // Paced by Bob's budget; after a second he has spent his burst, and the server's bucket for his session
    // is as low. The server keeps that bucket across the resume: so must Bob's budget.
    for (let i = 0; i < 500; i++) bobRoom.send('chat', { text: `m${i}` });
    await sleep(1_000);
    proxy.dropAll();
    await eventually(() => heard === 500, 'every chat delivered', 20_000);
    expect(drops.filter((reason) => reason.includes('RATE_LIMITED'))).toEqual([]);
    expect(reconnects).toHaveLength(1);
  });

  it('resumes after its guest token expired while away: the token is renewed for the same guest', async () => {
    // Renewable for as long again as it lived: 3 s of it leave seconds for the reconnect on a loaded machine.
    const { bob, aliceRoom } = await setup({ guestTokenTtlMs: 3_000, graceMs: 15_000 });
    const playerId = bob.playerId;
    const reconnects: { resumed: boolean }[] = [];
    bob.on('reconnect', (event) => reconnects.push(event));
    proxy.block();
    await eventually(() => aliceRoom.members.some((m) => m.away), 'bob away');
    await sleep(3_200); // Bob's token, issued before the setup, has expired by now
    proxy.unblock();
    await eventually(() => reconnects.length === 1, 'bob back', 10_000);
    expect(reconnects[0]?.resumed).toBe(true);
    expect(bob.playerId).toBe(playerId);
    await eventually(() => !aliceRoom.members.some((m) => m.away), 'bob back in the room');
  });

  it('a request whose answer an outbox overflow dropped while away still settles after the resume', async () => {
    const { bob, aliceRoom, bobRoom } = await setup({ outboxMessages: 8 });
    const resyncs: boolean[] = [];
    bob.on('reconnect', ({ resync }) => resyncs.push(resync));
    // Nothing from the server reaches Bob from here on, but his request reaches the server.
    proxy.stallDownstream();
    const listing = bob.listRooms({ type: 'test' });
    await sleep(200); // answered by now, into the stalled socket
    // 20 chats after the answer: Bob's outbox keeps the newest 8 unacked messages, so the answer goes.
    for (let i = 0; i < 20; i++) aliceRoom.send('chat', { text: `m${i}` });
    await sleep(200);
    proxy.dropAll();
    const settled = await Promise.race([listing, sleep(8_000).then(() => 'never' as const)]);
    expect(settled).not.toBe('never');
    expect((settled as { roomId: string }[]).map((room) => room.roomId)).toContain(bobRoom.roomId);
    expect(resyncs).toEqual([true]);
  });

  it('does not replay expiring messages past their TTL, in either direction, but replays reliable ones', async () => {
    const { aliceRoom, bobRoom } = await setup();
    const bobHeard: string[] = [];
    bobRoom.onMessage('shout', (text) => bobHeard.push(String(text)));
    bobRoom.onMessage('chat', (data) => bobHeard.push((data as { text: string }).text));
    const aliceHeard: string[] = [];
    aliceRoom.onMessage('chat', (data) => aliceHeard.push((data as { text: string }).text));
    proxy.block();
    await eventually(() => aliceRoom.members.some((m) => m.away), 'bob away');
    aliceRoom.send('shout', 'stale shout');
    aliceRoom.send('chat', { text: 'kept chat' });
    bobRoom.send('chat', { text: 'stale from bob' }, { class: 'expiring', ttlMs: 100 });
    bobRoom.send('chat', { text: 'kept from bob' });
    await sleep(300);
    proxy.unblock();
    await eventually(
      () => bobHeard.includes('kept chat') && aliceHeard.includes('kept from bob'),
      'reliable replayed',
    );
    await sleep(100);
    expect(bobHeard).not.toContain('stale shout');
    expect(aliceHeard).not.toContain('stale from bob');
  });

  it('an expiring message at the end of a long replay whose life runs out while it waits is not sent', async () => {
    const { bob, aliceRoom, bobRoom } = await setup();
    let heardAt: number | undefined;
    let lastReliable = -1;
    aliceRoom.onMessage('chat', (data) => {
      const text = (data as { text: string }).text;
      if (text === 'expiring') heardAt = Date.now();
      else lastReliable = Number(text.slice(1));
    });
    bobRoom.onMessage('chat', ignored); // his own lines, back from the room
    let welcomedAt: number | undefined;
    bob.on('reconnect', () => {
      welcomedAt = Date.now();
    });
    proxy.block();
    await eventually(() => aliceRoom.members.some((m) => m.away), 'bob away');
    // 600 reliable messages then one that lives 3 s: the replay writes 216 at once and the rest at 108 a
    // second, so the last of them leaves about 3.6 s after the welcome.
    for (let i = 0; i < 600; i++) bobRoom.send('chat', { text: `m${i}` });
    const sentAt = Date.now();
    bobRoom.send('chat', { text: 'expiring' }, { class: 'expiring', ttlMs: 3_000 });
    proxy.unblock();
    await eventually(() => lastReliable === 599, 'every reliable message delivered', 20_000);
    await sleep(200);
    // The replay began while it still had life left (else this test would prove nothing) ...
    expect((welcomedAt ?? Number.POSITIVE_INFINITY) - sentAt).toBeLessThan(2_000);
    // ... and it was not written with that life stated, seconds after: it expired waiting.
    expect(heardAt).toBeUndefined();
    expect(bob.stats().sends.expired).toBe(1);
  });

  it('a server that stops answering without closing is detected by the client timeout', async () => {
    t = await startServer({ test: ShoutRoom });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const client = t.client({
      url: `ws://127.0.0.1:${proxy.port}/ws`,
      deadServerTimeoutMs: 400,
      connectTimeoutMs: 1_000,
    });
    await client.connect();
    const drops: string[] = [];
    client.on('drop', ({ reason }) => drops.push(reason));
    const started = Date.now();
    proxy.freeze();
    await eventually(() => drops.length === 1, 'drop detected', 3_000);
    const detectedAfter = Date.now() - started;
    expect(detectedAfter).toBeGreaterThanOrEqual(350);
    expect(drops[0]).toMatch(/stopped answering/);
    proxy.thaw();
    await eventually(() => client.state === 'open', 'reconnected after thaw');
  });
});

/** Records the numbers its players send, in the order the room gets them. */
class CountRoom extends TestRoom {
  static received: number[] = [];
  override onCreate(options: unknown): void {
    super.onCreate(options);
    this.onMessage('n', v.number(), (_client, n) => {
      CountRoom.received.push(n);
    });
  }
}

describe('reliable messages across a path that dies silently', () => {
  it('what waited for the send budget keeps its place ahead of what is sent while reconnecting', async () => {
    t = await startServer({ count: CountRoom });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const client = t.client({
      url: `ws://127.0.0.1:${proxy.port}/ws`,
      deadServerTimeoutMs: 600,
      connectTimeoutMs: 1_000, // an attempt made while frozen lost its hello
      backoff: { baseMs: 50, maxMs: 100 },
    });
    await client.connect();
    const room = await client.create('count');
    let sent = 0;
    // 200 a second, over the budget the client keeps under the server's rate limit: some always wait.
    const pump = setInterval(() => {
      for (let i = 0; i < 4; i++) room.send('n', sent++);
    }, 20);
    try {
      await sleep(2_000);
      proxy.freeze(); // Wi-Fi gone, without a word
      await eventually(() => client.state === 'reconnecting', 'the client gives up on the silent path');
      await sleep(150); // these go to the outbox at once: nothing is connected
    } finally {
      clearInterval(pump);
    }
    proxy.thaw();
    await eventually(() => CountRoom.received.length >= sent, 'every message', 20_000);
    await sleep(100);
    expect(CountRoom.received).toEqual(Array.from({ length: sent }, (_, n) => n));
  }, 40_000);
});

/** A room whose joins with `{ slow: true }` wait until the test lets them through. */
class GatedJoinRoom extends TestRoom {
  static waiting: (() => void)[] = [];
  static created: GatedJoinRoom[] = [];
  override onCreate(options: unknown): void {
    super.onCreate(options);
    GatedJoinRoom.created.push(this);
  }
  override async onJoin(client: RoomClient, options: unknown): Promise<void> {
    if ((options as { slow?: boolean } | undefined)?.slow) {
      await new Promise<void>((resolve) => GatedJoinRoom.waiting.push(resolve));
    }
    super.onJoin(client, options);
  }
}

describe('a join still being decided when the session ends', () => {
  it('does not seat the departed player, frees the seat and tells the room it left', async () => {
    t = await startServer({ gated: GatedJoinRoom });
    const [alice, bob] = [t.client(), t.client()];
    await Promise.all([alice.connect(), bob.connect()]);
    const room = await alice.create('gated', { options: { maxClients: 2 } });
    const joining = bob.join(room.roomId, { slow: true });
    joining.catch(() => {});
    await eventually(() => GatedJoinRoom.waiting.length === 1, 'the room is deciding on Bob');
    const bobId = bob.playerId;
    bob.close(); // a clean close ends the session at once, with the join still open
    await eventually(() => t.server.connectionCount === 1, 'Bob gone');
    GatedJoinRoom.waiting.shift()?.();
    await sleep(100);
    expect(room.members.map((member) => member.playerId)).toEqual([alice.playerId]);
    const listed = await alice.listRooms({ type: 'gated', includeFull: true });
    expect(listed.find((info) => info.roomId === room.roomId)?.clients).toBe(1);
    // The room accepted Bob in onJoin, so it hears that he left: its own bookkeeping holds no ghost. He
    // closed cleanly, so the reason is 'left', as for a member who closes (not SESSION_EXPIRED: no grace
    // period ran out).
    expect(GatedJoinRoom.created.at(-1)?.events).toEqual([
      `join:${alice.playerId}`,
      `join:${bobId}`,
      `leave:${bobId}:left`,
    ]);
  });

  it("tells the room SESSION_EXPIRED when the dropped player's grace period ran out during the join", async () => {
    t = await startServer({ gated: GatedJoinRoom }, { graceMs: 300 });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const alice = t.client();
    const bob = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    await Promise.all([alice.connect(), bob.connect()]);
    const room = await alice.create('gated');
    const joining = bob.join(room.roomId, { slow: true });
    joining.catch(() => {});
    await eventually(() => GatedJoinRoom.waiting.length === 1, 'the room is deciding on Bob');
    const bobId = bob.playerId;
    proxy.block();
    proxy.dropAll();
    await eventually(() => t.server.connectionCount === 1, 'the server saw Bob drop');
    await eventually(() => t.server.sessionCount === 1, "Bob's grace period ran out");
    GatedJoinRoom.waiting.shift()?.();
    await eventually(() => GatedJoinRoom.created.at(-1)?.events.length === 3, 'the room hears Bob leave');
    expect(GatedJoinRoom.created.at(-1)?.events).toEqual([
      `join:${alice.playerId}`,
      `join:${bobId}`,
      `leave:${bobId}:${ErrorCode.SESSION_EXPIRED}`,
    ]);
    expect(room.members.map((member) => member.playerId)).toEqual([alice.playerId]);
  });
});

describe('resumes on connections opened one after another', () => {
  it('refuses a resume on an older connection than the one that resumed, which keeps the session', async () => {
    t = await startServer({ test: TestRoom });
    const { resumeOn } = await rawSession(t);
    const newer = await resumeOn(7);
    await eventually(() => newer.received(Kind.Welcome).length === 1, 'resumed on the newer connection');
    // The hello of a connection the client had given up, arriving late.
    const older = await resumeOn(5);
    await older.closed;
    expect(older.received(Kind.Error).map((error) => error.code)).toEqual([ErrorCode.RESUME_REJECTED]);
    newer.send(Kind.ListRooms, { rid: 1 });
    await eventually(() => newer.received(Kind.Response).length === 1, 'the newer connection is served');
    expect(newer.closeCode).toBeUndefined();
    newer.socket.close();
  });
});
