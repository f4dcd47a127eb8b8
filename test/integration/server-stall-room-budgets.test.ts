import { ErrorCode, Kind } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep } from '../support/server.js';
import { StallingServerProcess } from '../support/stalling-server-process.js';
import { steady } from '../support/steady-sender.js';

/*
 * A stall of the server process while a room's members go on: what they sent meanwhile is read all at once
 * after it. The session's fault budget and the room's budgets of what one member may push at another
 * (signals, relayed data) must take that as sent, like the message rate does (server-stall-rate-limit),
 * while a flood through the stall is still refused and cut off. Before, a member signalling and relaying
 * well within its budgets through a stall of 6 s was refused most of its backlog at once: each refused
 * signal a fault, it was cut off with TOO_MANY_ERRORS, and its relayed data was refused (RATE_LIMITED).
 *
 * Budgets small enough to show it within seconds: 10 signals at once and 10 a second; 17 KiB of relayed
 * data at once (the least allowed) and 4 KiB a second; 2 faults at once and one forgiven a second; and
 * the room's own MessageBudget of 'say' messages, 3 at once and one a second.
 */
const BUDGETS = {
  signalBurst: 10,
  signalsPerSecond: 10,
  relayBytesBurst: 17 * 1024,
  relayBytesPerSecond: 4 * 1024,
  errorBudget: 2,
  errorRefillPerSecond: 1,
};

let server: StallingServerProcess | undefined;
const sockets: RawClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await server?.kill();
  server = undefined;
});

/** A guest of `stalling` that said hello and is in a 'count' room: `roomId`'s, or one it created. */
async function member(
  stalling: StallingServerProcess,
  roomId?: string,
): Promise<{ raw: RawClient; id: string }> {
  const raw = new RawClient(stalling.wsUrl, await stalling.guestToken());
  sockets.push(raw);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  if (roomId === undefined) raw.send(Kind.CreateRoom, { rid: 1, type: 'count' });
  else raw.send(Kind.JoinRoom, { rid: 1, roomId });
  await eventually(() => raw.received(Kind.Response).length === 1, 'in the room');
  return { raw, id: (raw.received(Kind.Welcome)[0] as { playerId: string }).playerId };
}

/** The room `raw` created (its first answer). */
function roomOf(raw: RawClient): string {
  return (raw.received(Kind.Response)[0] as { result: { room: { roomId: string } } }).result.room.roomId;
}

const codes = (raw: RawClient) => raw.received(Kind.Error).map((error) => error.code);

describe("a stall of the server process and its rooms' budgets", () => {
  it('a member within its budgets through a stall of 6 s is refused nothing and keeps its session', async () => {
    server = await StallingServerProcess.start(BUDGETS);
    const alice = await member(server);
    const bob = await member(server, roomOf(alice.raw));
    const payload = new Uint8Array(400).fill(1);
    // 8 signals and 8 relayed dispatch messages of 400 bytes (3.4 KiB as relayed) a second, a text frame
    // (a fault, BAD_FRAME) every 1.5 s and a 'say' every 1.25 s: each under its budget's rate.
    const signals = steady(8, (n) => alice.raw.send(Kind.SignalToPeer, { to: bob.id, s: { n } }));
    const data = steady(8, () => alice.raw.send(Kind.DataToPeer, { to: bob.id, c: 2, p: payload }));
    const faults = steady(1 / 1.5, () => alice.raw.sendBytes('not a frame'));
    const say = () => alice.raw.send(Kind.ClientRoomMessage, { t: 'say', d: 'hi' });
    say();
    const lines = steady(0.8, say);
    await sleep(1_000);
    await (await server.stall(6_000)).over;
    await sleep(1_000);
    const sentSignals = await signals.stop();
    const sentData = await data.stop();
    const sentFaults = await faults.stop();
    const sentLines = await lines.stop();
    await eventually(
      () =>
        bob.raw.received(Kind.SignalFromPeer).length >= sentSignals ||
        alice.raw.closeCode !== undefined ||
        codes(alice.raw).includes(ErrorCode.RATE_LIMITED),
      'the signals heard',
    );
    await sleep(500);
    // Told of each text frame, and of nothing else: no signal refused (a fault each), no data refused.
    expect(codes(alice.raw)).toEqual(Array.from({ length: sentFaults }, () => ErrorCode.BAD_FRAME));
    expect(alice.raw.closeCode).toBeUndefined();
    expect(bob.raw.received(Kind.SignalFromPeer)).toHaveLength(sentSignals);
    expect(bob.raw.received(Kind.DataFromPeer)).toHaveLength(sentData);
    // The room's own budget, given the room clock's stalledMs(), let every line through too.
    expect((await server.counts())[alice.id]).toMatchObject({ said: 1 + sentLines, refused: 0 });
  }, 60_000);

  it('a member whose first line of all is read after a stall is credited for it as one who spoke before', async () => {
    // The room's budget had heard no one when the server stood still: it was made as of the first line
    // read after the stall, and took the lines said through it for a burst (3 of 5 passed).
    server = await StallingServerProcess.start(BUDGETS);
    const alice = await member(server);
    const say = () => alice.raw.send(Kind.ClientRoomMessage, { t: 'say', d: 'hi' });
    const stalled = await server.stall(6_000);
    // A line every 1.25 s, from the start of the stall: under the budget's rate of one a second.
    const lines = steady(0.8, say);
    await stalled.over;
    await sleep(1_000);
    const sentLines = await lines.stop();
    expect(sentLines).toBeGreaterThanOrEqual(5);
    let count = (await server.counts())[alice.id];
    for (let tries = 0; (count?.said ?? 0) + (count?.refused ?? 0) < sentLines && tries < 100; tries++) {
      await sleep(50);
      count = (await server.counts())[alice.id];
    }
    expect(count).toMatchObject({ said: sentLines, refused: 0 });
  }, 60_000);

  it('a flood sent during a stall of 2 s is still refused and cut off; the other member plays on', async () => {
    server = await StallingServerProcess.start(BUDGETS);
    const alice = await member(server);
    const bob = await member(server, roomOf(alice.raw));
    const stalled = await server.stall(2_000);
    for (let n = 0; n < 200; n++) alice.raw.send(Kind.SignalToPeer, { to: bob.id, s: { n } });
    await stalled.over;
    await alice.raw.closed;
    expect(codes(alice.raw)).toContain(ErrorCode.TOO_MANY_ERRORS);
    // The burst and the stall's 2 s at the rate, and a signal or two for the time the reading took.
    await sleep(500);
    expect(bob.raw.received(Kind.SignalFromPeer).length).toBeLessThanOrEqual(10 + 2 * 10 + 2);
    // Bob is still served.
    bob.raw.send(Kind.Ping, { id: 1, t: 0 });
    await eventually(() => bob.raw.received(Kind.Pong).length === 1, 'pong');
    expect(bob.raw.closeCode).toBeUndefined();
  }, 60_000);
});
