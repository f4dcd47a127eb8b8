import { closeCodeFor, ErrorCode, Kind } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { roomWithTargetBehindProxy } from '../support/target-behind-proxy.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

/** An SDP-sized signal of about `bytes` bytes, in the mesh's shape. */
function bigSignal(n: number, bytes: number) {
  return { n, o: true, signal: { description: { type: 'offer', sdp: `v=0\r\n${'a'.repeat(bytes)}` } } };
}

describe('signaling flood from one room member', () => {
  it('is cut down to its budget: the target (on a slow link) keeps its socket, the flooder is told', async () => {
    t = await startServer({ test: TestRoom });
    const room = await roomWithTargetBehindProxy(t);
    proxy = room.proxy;
    const { alice, bob, aliceRoom, bobRoom, drops } = room;
    const heard: string[] = [];
    bobRoom.on('signal', ({ from }) => heard.push(from));
    const raw = await rawMember(t, aliceRoom.roomId);
    const flooderId = raw.received(Kind.Welcome)[0]!.playerId;

    // Bob's link is slow: nothing the server sends him gets through for now. The flooder sends 200
    // signals of 15 KiB (3 MiB, within its connection's burst of 240 messages) at him.
    proxy.stallDownstream();
    for (let i = 0; i < 200 && raw.socket.readyState === raw.socket.OPEN; i++) {
      raw.send(Kind.SignalToPeer, { to: bob.playerId!, s: bigSignal(i + 1, 15_000) });
    }
    const code = await raw.closed;
    // Each refused signal is a fault: past the error budget the flooder is cut off.
    expect(code).toBe(closeCodeFor(ErrorCode.TOO_MANY_ERRORS));
    const errors = raw.received(Kind.Error).map((error) => error.code);
    expect(errors).toContain(ErrorCode.RATE_LIMITED);
    await sleep(300);
    proxy.release();
    // Alice's signals are hers to spend: Bob still hears her.
    aliceRoom.signal(bob.playerId!, { n: 1, signal: { candidate: { candidate: '' } } });
    await eventually(() => heard.includes(alice.playerId!), "alice's signal reaches bob");
    // Of the flood, only the burst of the byte budget (64 KiB: four of these) reached Bob.
    expect(heard.filter((from) => from === flooderId).length).toBeLessThanOrEqual(5);
    expect(drops).toEqual([]);
  });

  it('counts small signals too: 40 at once, then 20 a second, answered RATE_LIMITED past that', async () => {
    t = await startServer({ test: TestRoom });
    const bob = t.client();
    await bob.connect();
    const bobRoom = await bob.create('test');
    const heard: unknown[] = [];
    bobRoom.on('signal', ({ signal }) => heard.push(signal));
    const raw = await rawMember(t, bobRoom.roomId);
    for (let i = 0; i < 50; i++) raw.send(Kind.SignalToPeer, { to: bob.playerId!, s: { n: i + 1 } });
    await eventually(
      () => raw.received(Kind.Error).length + heard.length >= 50,
      'every signal relayed or refused',
    );
    await sleep(100);
    // A few tokens may come back while the 50 are in flight: about 40 through, about 10 refused.
    expect(heard.length).toBeGreaterThanOrEqual(40);
    expect(heard.length).toBeLessThanOrEqual(43);
    const refused = raw.received(Kind.Error);
    expect(refused.length).toBe(50 - heard.length);
    expect(refused.every((error) => error.code === ErrorCode.RATE_LIMITED)).toBe(true);
    expect(raw.socket.readyState).toBe(raw.socket.OPEN);
  });

  it('sets its budgets from the server options', async () => {
    t = await startServer({ test: TestRoom }, { signalBurst: 5, signalsPerSecond: 1 });
    const bob = t.client();
    await bob.connect();
    const bobRoom = await bob.create('test');
    const heard: unknown[] = [];
    bobRoom.on('signal', ({ signal }) => heard.push(signal));
    const raw = await rawMember(t, bobRoom.roomId);
    for (let i = 0; i < 10; i++) raw.send(Kind.SignalToPeer, { to: bob.playerId!, s: { n: i + 1 } });
    await eventually(() => raw.received(Kind.Error).length + heard.length >= 10, 'all handled');
    expect(heard).toHaveLength(5);
  });
});
