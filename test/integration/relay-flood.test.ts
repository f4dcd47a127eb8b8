import { Channel, type RoomConnection } from 'vehikill-net/client';
import { ErrorCode, Kind } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEffect, encodeFireNotice, encodePhysSample } from '../../game/protocol/peer-messages.js';
import { NEUTRAL_INPUT } from '../../game/sim/index.js';
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { roomWithTargetBehindProxy, STALLED_TARGET_DEAD_SERVER_MS } from '../support/target-behind-proxy.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await t?.close();
});

/** A raw member who joins `roomId` to flood `target` (in it), and how many of its messages `target` heard. */
async function flooderOf(target: RoomConnection, roomId: string) {
  const raw = await rawMember(t, roomId);
  const flooderId = raw.received(Kind.Welcome)[0]!.playerId;
  await eventually(
    () => target.members.some((member) => member.playerId === flooderId),
    'the target sees him',
  );
  let heard = 0;
  target.relayLink(flooderId).onMessage(() => heard++);
  return { raw, heard: () => heard };
}

/** Alice and Bob in one room of a new server, their meshes linked through its relay (no WebRTC). */
async function relayedPair() {
  t = await startServer({ test: TestRoom });
  const [alice, bob] = [t.client(), t.client()];
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  const aliceMesh = aliceRoom.mesh({ rtc: false });
  const bobMesh = bobRoom.mesh({ rtc: false });
  await eventually(() => aliceMesh.link(bob.playerId!)?.state === 'relayed', 'relayed link');
  return { alice, bob, aliceMesh, bobMesh };
}

describe('relayed peer data flood from one room member', () => {
  it.each([
    ['dispatch (reliable)', 2],
    ['event (expiring)', 1],
  ])(
    '%s is cut down to its budget: the target (on a slow link) keeps its socket and hears the others',
    async (_name, channel) => {
      t = await startServer({ test: TestRoom });
      const room = await roomWithTargetBehindProxy(t);
      proxy = room.proxy;
      const { bob, aliceRoom, bobRoom, drops } = room;
      const chat: unknown[] = [];
      bobRoom.onMessage('chat', (data) => chat.push(data));
      const { raw, heard } = await flooderOf(bobRoom, aliceRoom.roomId);

      // Bob's link is slow: nothing the server sends him gets through for now. The flooder sends 200
      // messages of 16 KiB (3.2 MiB, within its connection's burst of 240 messages) at him.
      proxy.stallDownstream();
      const payload = new Uint8Array(16 * 1024 - 64).fill(7);
      const startedAt = performance.now();
      for (let i = 0; i < 200 && raw.socket.readyState === raw.socket.OPEN; i++) {
        raw.send(Kind.DataToPeer, { to: bob.playerId!, c: channel, p: payload });
      }
      // Alice, honest, says something to the room meanwhile: a reliable message that must reach Bob.
      aliceRoom.send('chat', { text: 'during the flood' });
      // What is over the budget is not relayed; the flooder is told, once a second at most, not charged.
      await eventually(
        () => (t.server.metrics as CountingMetrics).total('relayed_data_refused_total') >= 150,
        'the flood is refused',
      );
      await sleep(1_000);
      const told = raw.received(Kind.Error).filter((error) => error.code === ErrorCode.RATE_LIMITED);
      expect(told.length).toBeGreaterThanOrEqual(1);
      expect(told.length).toBeLessThanOrEqual(2);
      // The budget refills while the server reads the flood: a loaded machine reads it slower.
      const floodSeconds = (performance.now() - startedAt) / 1_000;
      proxy.release();
      await eventually(
        () => chat.some((line) => (line as { text?: string }).text === 'during the flood'),
        "alice's line reaches bob",
      );
      // Of the flood, at most the byte budget's burst (256 KiB: 16 of these) reached Bob, and what its
      // rate (32 KiB a second: 2 of these) gave back before the server had read it all.
      expect(heard()).toBeLessThanOrEqual(16 + Math.ceil(2 * floodSeconds));
      expect(drops).toEqual([]);
      expect(bob.state).toBe('open');
    },
  );

  it('holds over time: the flooder is told now and then, never cut off, and the target keeps its socket', async () => {
    t = await startServer({ test: TestRoom });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const bob = t.client({
      url: `ws://127.0.0.1:${proxy.port}/ws`,
      deadServerTimeoutMs: STALLED_TARGET_DEAD_SERVER_MS,
    });
    await bob.connect();
    const bobRoom = await bob.create('test');
    const drops: string[] = [];
    bob.on('drop', ({ reason }) => drops.push(reason));
    const { raw, heard } = await flooderOf(bobRoom, bobRoom.roomId);

    // 200 of 16 KiB at once, then 100 a second for 2.5 s (the connection's rate allows 120): 7 MiB.
    proxy.stallDownstream();
    const payload = new Uint8Array(16 * 1024 - 64).fill(7);
    const shoot = (n: number) => {
      for (let i = 0; i < n && raw.socket.readyState === raw.socket.OPEN; i++)
        raw.send(Kind.DataToPeer, { to: bob.playerId!, c: 2, p: payload });
    };
    const startedAt = performance.now();
    shoot(200);
    for (let i = 0; i < 25; i++) {
      await sleep(100);
      shoot(10);
    }
    // 2.5 s on a quiet machine; a loaded one stretches the 25 sleeps, and the bounds below with them.
    const floodSeconds = (performance.now() - startedAt) / 1_000;
    proxy.release();
    await eventually(() => heard() >= 16, "the budget's burst reaches bob");
    await sleep(1_000);
    expect(raw.closeCode).toBeUndefined();
    expect((t.server.metrics as CountingMetrics).total('relayed_data_refused_total')).toBeGreaterThan(400);
    // Told once a second at most over the flood, never charged: no fault, no cut.
    const told = raw.received(Kind.Error).filter((error) => error.code === ErrorCode.RATE_LIMITED);
    expect(told.length).toBeGreaterThanOrEqual(2);
    expect(told.length).toBeLessThanOrEqual(Math.floor(floodSeconds) + 2);
    // 256 KiB at once and 32 KiB a second: 16 of these, and 2 more a second (about 21 in 2.5 s).
    expect(heard()).toBeGreaterThanOrEqual(16);
    expect(heard()).toBeLessThanOrEqual(16 + Math.ceil(2 * floodSeconds) + 3);
    expect(drops).toEqual([]);
    expect(bob.state).toBe('open');
    raw.close();
  });

  it('delivers a dispatch backlog larger than the budget, at its rate, and the sender stays connected', async () => {
    const { alice, bob, aliceMesh, bobMesh } = await relayedPair();
    let got = 0;
    bobMesh.on('message', ({ channel }) => {
      if (channel === 'dispatch') got++;
    });
    // 48 messages of 8 KiB at once (384 KiB): past the 256 KiB burst. What is refused goes again when no
    // ack comes, and the budget refills at 32 KiB a second.
    const payload = new Uint8Array(8 * 1024).fill(3);
    for (let i = 0; i < 48; i++) expect(aliceMesh.send(bob.playerId!, Channel.dispatch, payload)).toBe(true);
    await eventually(() => got === 48, 'every message delivered', 20_000);
    expect((t.server.metrics as CountingMetrics).total('relayed_data_refused_total')).toBeGreaterThan(0);
    expect(alice.state).toBe('open');
    expect((t.server.metrics as CountingMetrics).total('bad_input_total')).toBe(0);
  }, 30_000);

  it('leaves legitimate game traffic through the relay alone: every message of a busy player passes', async () => {
    const { alice, aliceMesh, bobMesh } = await relayedPair();
    const errors: string[] = [];
    alice.on('error', ({ code }) => errors.push(code));
    const got = { phys: 0, event: 0, dispatch: 0 };
    bobMesh.on('message', ({ channel }) => got[channel]++);

    // The Vehikill client at its busiest, for 3 s: a vehicle sample 20 times a second, a fire notice
    // every 60 Hz tick (trigger held, gun and rocket every tenth tick) and a boost effect twice a second,
    // as encoded by the game.
    const sample = encodePhysSample({
      tick: 1234,
      input: NEUTRAL_INPUT,
      state: { x: 10, y: 20, angle: 1, vx: 3, vy: 4, spin: 0.5, boost: 0, drifting: false, id: 1 },
    });
    const notice = encodeFireNotice({
      tick: 1234,
      weapon: 'gun',
      origin: { x: 10, y: 20 },
      direction: { x: 1, y: 0 },
    });
    const effect = encodeEffect({ kind: 'boost', x: 10, y: 20 });
    let sent = 0;
    for (let tick = 1; tick <= 180; tick++) {
      if (tick % 3 === 0) aliceMesh.broadcast(Channel.phys, sample);
      aliceMesh.broadcast(Channel.dispatch, notice);
      sent++;
      if (tick % 10 === 0) {
        aliceMesh.broadcast(Channel.dispatch, notice);
        sent++;
      }
      if (tick % 30 === 0) aliceMesh.broadcast(Channel.event, effect);
      await sleep(1000 / 60);
    }
    // The last effect goes after the last fire notices: waited for with them, not read the moment they are in.
    await eventually(
      () => got.dispatch === sent && got.event >= 6,
      'every fire notice and effect delivered',
      10_000,
    );
    expect(got.event).toBe(6);
    expect(got.phys).toBeGreaterThan(20);
    expect(errors).toEqual([]);
    expect((t.server.metrics as CountingMetrics).total('bad_input_total')).toBe(0);
  });
});
