import { closeCodeFor, ErrorCode, Kind } from 'vehikill-net/protocol';
import { type GameServerOptions, ManualClock } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer | undefined;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  await t?.close();
  t = undefined;
});

async function serve(options: GameServerOptions): Promise<TestServer> {
  t = await startServer({ room: TestRoom }, options);
  return t;
}

/** A bare client with a session (new, or resumed from `resume`: the same guest, so the same `guestToken`). */
async function attacker(
  server: TestServer,
  guestToken: string,
  resume?: { playerId: string; token: string },
): Promise<{ raw: RawClient; playerId: string; token: string }> {
  const raw = new RawClient(server.wsUrl, guestToken);
  raws.push(raw);
  await raw.opened;
  raw.hello(resume ? { ...resume, ack: 0 } : undefined);
  await eventually(() => raw.received(Kind.Welcome).length === 1 || raw.closeCode !== undefined, 'welcome');
  const welcome = raw.received(Kind.Welcome)[0];
  if (welcome === undefined) throw new Error(`no welcome: closed with ${raw.closeCode}`);
  return { raw, playerId: welcome.playerId, token: welcome.resumeToken };
}

/** Sends `count` text frames (each a BAD_FRAME fault) and waits for their errors or the close. */
async function sendFaults(raw: RawClient, count: number): Promise<void> {
  const before = raw.received(Kind.Error).length;
  for (let i = 0; i < count; i++) raw.sendBytes('not a frame');
  await eventually(
    () => raw.received(Kind.Error).length >= before + count || raw.closeCode !== undefined,
    'the faults answered',
  );
}

describe('budgets across reconnects', () => {
  it('a resumed session keeps the fault budget its last connection left', async () => {
    const server = await serve({ errorBudget: 10, errorRefillPerSecond: 0.001 });
    const guest = server.server.issueGuestToken('attacker');
    const first = await attacker(server, guest);
    await sendFaults(first.raw, 8);
    expect(first.raw.closeCode).toBeUndefined();
    first.raw.close();

    const second = await attacker(server, guest, { playerId: first.playerId, token: first.token });
    expect(second.raw.received(Kind.Welcome)[0]?.resumed).toBe(true);
    // Two faults were left: the third is one too many. A fresh budget would have taken ten.
    await sendFaults(second.raw, 3);
    expect(await second.raw.closed).toBe(closeCodeFor(ErrorCode.TOO_MANY_ERRORS));
  });

  it('a resumed session keeps its message rate: reconnecting does not refill the burst', async () => {
    const server = await serve({ rateBurst: 30, ratePerSecond: 0.001, errorBudget: 1_000 });
    const guest = server.server.issueGuestToken('attacker');
    const first = await attacker(server, guest);
    // Pings are bare and harmless: each takes one message from the rate, none of the fault budget.
    for (let i = 0; i < 25; i++) first.raw.send(Kind.Ping, { id: i, t: 0 });
    await eventually(() => first.raw.received(Kind.Pong).length === 25, 'pongs');
    first.raw.close();

    const second = await attacker(server, guest, { playerId: first.playerId, token: first.token });
    for (let i = 0; i < 10; i++) second.raw.send(Kind.Ping, { id: 100 + i, t: 0 });
    await eventually(() => second.raw.received(Kind.Error).length > 0, 'a rate-limit error');
    // The first connection's hello and 25 pings took 26 of the 30 (a hello is counted on its connection
    // before the session is known): 4 of these 10 fit. A fresh burst would have taken all 10.
    expect(second.raw.received(Kind.Pong)).toHaveLength(4);
    expect(second.raw.received(Kind.Error)[0]?.code).toBe(ErrorCode.RATE_LIMITED);
  });

  it('a session cut off for too many errors ends at once: its seat is freed and it cannot be resumed', async () => {
    const server = await serve({ errorBudget: 3, errorRefillPerSecond: 0.001 });
    const alice = server.client();
    await alice.connect();
    const room = await alice.create('room');
    const left: Array<{ playerId: string; reason: string }> = [];
    room.on('member-leave', (event) => left.push(event));

    const guest = server.server.issueGuestToken('attacker');
    const { raw, playerId, token } = await attacker(server, guest);
    raw.send(Kind.JoinRoom, { rid: 1, roomId: room.roomId });
    await eventually(() => room.members.some((member) => member.playerId === playerId), 'joined');
    await sendFaults(raw, 4);
    expect(await raw.closed).toBe(closeCodeFor(ErrorCode.TOO_MANY_ERRORS));
    // Gone from the room now, not after the 30 s grace period.
    await eventually(() => left.length === 1, 'the attacker left');
    expect(left[0]).toEqual({ playerId, reason: ErrorCode.TOO_MANY_ERRORS });

    const again = new RawClient(server.wsUrl, guest);
    raws.push(again);
    await again.opened;
    again.hello({ playerId, token, ack: 0 });
    expect(await again.closed).toBe(closeCodeFor(ErrorCode.SESSION_EXPIRED));
  });

  it('faults a replaced socket still sends spend the session budget, which refills for the live one', async () => {
    const clock = new ManualClock(0);
    const server = await serve({ errorBudget: 3, errorRefillPerSecond: 1, clock, heartbeatMs: 1_000_000 });
    const guest = server.server.issueGuestToken('player');
    const first = await attacker(server, guest);
    // The old socket stops reading (a stalled path): it never sees its close, but it can still write.
    (first.raw.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    const second = await attacker(server, guest, { playerId: first.playerId, token: first.token });
    for (let i = 0; i < 4; i++) first.raw.sendBytes('not a frame');
    await sleep(300);
    // The budget was spent by a socket that is no longer the session's: the live one is not cut for it...
    expect(second.raw.closeCode).toBeUndefined();
    // ...and once the budget has refilled, one fault of its own is only answered.
    clock.advance(60_000);
    await sendFaults(second.raw, 1);
    await sleep(100);
    expect(second.raw.closeCode).toBeUndefined();
    expect(second.raw.received(Kind.Error).map((error) => error.code)).toEqual([ErrorCode.BAD_FRAME]);
  });

  it('a resume acking messages never sent is refused, as such an Ack is, and the session lives on', async () => {
    const server = await serve({});
    const guest = server.server.issueGuestToken('attacker');
    const first = await attacker(server, guest);
    first.raw.close();
    const forged = new RawClient(server.wsUrl, guest);
    raws.push(forged);
    await forged.opened;
    forged.hello({ playerId: first.playerId, token: first.token, ack: 2 ** 53 - 1 });
    expect(await forged.closed).toBe(closeCodeFor(ErrorCode.INVALID_MESSAGE));
    expect(forged.received(Kind.Welcome)).toEqual([]);
    // Nothing of the session was touched: a well-formed resume still gets it back.
    const back = await attacker(server, guest, { playerId: first.playerId, token: first.token });
    expect(back.playerId).toBe(first.playerId);
  });

  it('a fault before the hello closes the connection: budgets start with the session', async () => {
    const server = await serve({});
    const raw = new RawClient(server.wsUrl, server.server.issueGuestToken('attacker'));
    raws.push(raw);
    await raw.opened;
    raw.sendBytes('not a frame');
    expect(await raw.closed).toBe(closeCodeFor(ErrorCode.HELLO_REQUIRED));
    expect(raw.received(Kind.Error)[0]?.message).toBe('the first message must be a hello (got: BAD_FRAME)');
  });
});
