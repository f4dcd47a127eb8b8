import { ErrorCode, Kind } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { RawClient } from '../support/raw-client.js';
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { roomWithTargetBehindProxy } from '../support/target-behind-proxy.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await t?.close();
});

/** Leaves `roomId` and joins it again, answered: the next request ids after `rid`, which it returns. */
async function leaveAndRejoin(raw: RawClient, roomId: string, rid: number): Promise<number> {
  raw.send(Kind.LeaveRoom, { rid: rid + 1 });
  raw.send(Kind.JoinRoom, { rid: rid + 2, roomId });
  await eventually(() => raw.received(Kind.Response).some((answer) => answer.rid === rid + 2), 'rejoined');
  const answer = raw.received(Kind.Response).find((response) => response.rid === rid + 2);
  expect(answer?.ok).toBe(true);
  return rid + 2;
}

describe("a member's budgets towards another outlive its leave and rejoin", () => {
  it('relayed data: rejoining buys no fresh burst, and the stalled target keeps its socket', async () => {
    // The default heartbeat (a link silent for 15 s is given up): Bob's client must not give up on his
    // stalled link before the attack is over.
    t = await startServer({ test: TestRoom }, { heartbeatMs: 5_000 });
    const room = await roomWithTargetBehindProxy(t);
    proxy = room.proxy;
    const { bob, aliceRoom, drops } = room;
    const raw = await rawMember(t, aliceRoom.roomId);
    const metrics = t.server.metrics as CountingMetrics;

    // Bob's link stalls. The attacker spends its burst on him (16 messages of 16 KiB, 256 KiB), leaves,
    // rejoins and does it again: 12 rounds at once (216 messages, within the connection's burst), then a
    // round every 150 ms (the connection's rate is 120 messages a second) for 1.5 s. Were each rejoin a
    // fresh budget, that is 5.5 MiB at Bob, far past his 1 MiB send queue (and what loopback buffers).
    proxy.stallDownstream();
    const payload = new Uint8Array(16 * 1024 - 64).fill(7);
    const started = Date.now();
    let rid = 1;
    let offered = 0;
    for (let round = 0; round < 22 && raw.closeCode === undefined && bob.state === 'open'; round++) {
      for (let i = 0; i < 16; i++) raw.send(Kind.DataToPeer, { to: bob.playerId!, c: 2, p: payload });
      offered += 16;
      rid = await leaveAndRejoin(raw, aliceRoom.roomId, rid);
      if (round >= 12) await sleep(150);
    }
    const seconds = (Date.now() - started) / 1_000;
    await sleep(500);
    // Bob's socket was not cut (OUTBOX_OVERFLOW): his client could not tell yet, his link is stalled.
    expect(metrics.total('connections_cut_total')).toBe(0);
    // At most the burst and what the rate gave back went through; the rest was refused.
    const relayed = offered - metrics.total('relayed_data_refused_total');
    expect(relayed).toBeLessThanOrEqual(16 + Math.ceil(seconds * 2) + 1);
    // The attacker is told (RATE_LIMITED, not a fault) and keeps its connection.
    const told = raw.received(Kind.Error).filter((error) => error.code === ErrorCode.RATE_LIMITED);
    expect(told.length).toBeGreaterThanOrEqual(1);
    expect(raw.closeCode).toBeUndefined();
    proxy.release();
    await sleep(1_000);
    expect(drops).toEqual([]);
    expect(bob.state).toBe('open');
    raw.close();
  });

  it("signals: the budget spent before the leave still counts after the rejoin, as the target's too", async () => {
    t = await startServer({ test: TestRoom });
    const bob = t.client();
    await bob.connect();
    const bobRoom = await bob.create('test');
    const raw = await rawMember(t, bobRoom.roomId);
    const attackerId = raw.received(Kind.Welcome)[0]!.playerId;
    const heard: string[] = [];
    bobRoom.on('signal', ({ from }) => heard.push(from));
    const bigSignal = (n: number) => ({
      n,
      o: true,
      signal: { description: { type: 'offer', sdp: 'a'.repeat(15_000) } },
    });
    const refused = () =>
      raw.received(Kind.Error).filter((error) => error.code === ErrorCode.RATE_LIMITED).length;

    // Four signals of 15 KiB: the byte budget's burst (64 KiB). Then a leave and rejoin, and four more.
    for (let n = 1; n <= 4; n++) raw.send(Kind.SignalToPeer, { to: bob.playerId!, s: bigSignal(n) });
    await eventually(() => heard.length === 4, 'the burst reaches bob');
    await leaveAndRejoin(raw, bobRoom.roomId, 1);
    for (let n = 5; n <= 8; n++) raw.send(Kind.SignalToPeer, { to: bob.playerId!, s: bigSignal(n) });
    // The bucket refills 16 KiB a second: one of the four may pass, no more.
    await eventually(() => refused() + heard.length >= 8, 'every signal relayed or refused');
    expect(refused()).toBeGreaterThanOrEqual(3);

    // The target leaving and rejoining does not reset it either.
    await bobRoom.leave();
    const bobBack = await bob.join(bobRoom.roomId);
    bobBack.on('signal', ({ from }) => heard.push(from));
    await eventually(
      () => raw.received(Kind.MemberJoined).some(({ member }) => member.playerId === bob.playerId),
      'the attacker sees bob back',
    );
    const before = refused();
    raw.send(Kind.SignalToPeer, { to: bob.playerId!, s: bigSignal(9) });
    raw.send(Kind.SignalToPeer, { to: bob.playerId!, s: bigSignal(10) });
    await eventually(() => refused() > before, 'refused again');
    expect(heard.filter((from) => from === attackerId).length).toBeLessThanOrEqual(6);
    expect(raw.closeCode).toBeUndefined();
    raw.close();
  });
});
