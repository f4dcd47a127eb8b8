import { encode } from '@msgpack/msgpack';
import { closeCodeFor, ErrorCode, Kind, PROTOCOL_VERSION } from 'vehikill-net/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ignored } from '../support/ignored.js';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeEach(async () => {
  t = await startServer({ test: TestRoom }, { maxPayloadBytes: 4096 });
});
afterEach(async () => {
  await t.close();
});

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function attacker(): Promise<RawClient> {
  const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('attacker'));
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  return raw;
}

describe('bad input against a live server', () => {
  it('survives garbage of every kind while honest players keep chatting and lose nothing', async () => {
    const alice = t.client();
    const bob = t.client();
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceRoom = await alice.create('test');
    const bobRoom = await bob.join(aliceRoom.roomId);
    const heard: string[] = [];
    bobRoom.onMessage('chat', (data) => heard.push((data as { text: string }).text));
    // Alice's own lines come back to her too: what counts is what Bob hears.
    aliceRoom.onMessage('chat', ignored);

    const random = seeded(7);
    const attacks: Array<(raw: RawClient) => void> = [
      (raw) =>
        raw.sendBytes(
          Uint8Array.from({ length: 1 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)),
        ),
      (raw) => raw.sendBytes('{"kind":"join"}'),
      (raw) => raw.sendBytes(Uint8Array.of(Kind.JoinRoom, ...encode({ rid: 'x', roomId: 5 }))),
      (raw) =>
        raw.sendBytes(
          Uint8Array.of(Kind.ClientRoomMessage, ...encode({ t: 'chat', d: { text: { $gt: '' } } })),
        ),
      (raw) =>
        raw.sendBytes(
          Uint8Array.of(Kind.CreateRoom, 0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0xc0),
        ),
      (raw) =>
        raw.sendBytes(
          Uint8Array.of(
            Kind.ClientRoomMessage,
            ...encode({ t: 'chat', d: { constructor: { prototype: 1 } } }),
          ),
        ),
      (raw) => raw.sendBytes(Uint8Array.of(Kind.Welcome, ...encode({ playerId: 'x' }))),
      (raw) => raw.sendBytes(Uint8Array.of(Kind.Reliable, 0xff, 0xff, 0xff)),
      (raw) => raw.sendBytes(Uint8Array.of(Kind.Reliable, 0x01, Kind.Hello, ...encode({ v: 1 }))),
      (raw) => raw.sendBytes(Uint8Array.of(Kind.ClientRoomMessage, ...new Array(600).fill(0x91), 0xc0)),
      (raw) => raw.sendBytes(Uint8Array.of(Kind.Ack, ...encode({ ack: 10 ** 9 }))),
      (raw) => raw.send(Kind.JoinRoom, { rid: 1, roomId: aliceRoom.roomId, options: { refuse: true } }),
      (raw) =>
        raw.sendBytes(
          Uint8Array.of(
            Kind.DataToPeers,
            ...encode({ to: [bob.playerId, bob.playerId], c: 0, p: Uint8Array.of(1) }),
          ),
        ),
      (raw) =>
        raw.send(Kind.DataToPeers, { to: [alice.playerId!, bob.playerId!], c: 0, p: Uint8Array.of(1) }),
    ];
    let sent = 0;
    for (let round = 0; round < 5; round++) {
      const raw = await attacker();
      for (let i = 0; i < 30 && raw.socket.readyState === raw.socket.OPEN; i++) {
        attacks[Math.floor(random() * attacks.length)]!(raw);
        aliceRoom.send('chat', { text: `honest ${sent++}` });
        await sleep(1);
      }
      await Promise.race([raw.closed, sleep(200)]);
      raw.close();
    }
    await eventually(() => heard.length === sent, 'every honest message delivered');
    expect(heard).toEqual(Array.from({ length: sent }, (_, i) => `honest ${i}`));
    expect(alice.state).toBe('open');
    expect(bob.state).toBe('open');
    const metrics = t.server.metrics as unknown as { total(name: string): number };
    expect(metrics.total('bad_input_total')).toBeGreaterThan(20);
  });

  it('answers each bad frame with its error code and cuts off a sender past the fault budget', async () => {
    const raw = await attacker();
    raw.sendBytes(Uint8Array.of(0x7f));
    raw.sendBytes(Uint8Array.of(Kind.JoinRoom, 0xc1));
    raw.sendBytes(Uint8Array.of(Kind.JoinRoom, ...encode({ rid: 1 })));
    raw.sendBytes('text frame');
    await eventually(() => raw.received(Kind.Error).length === 4, 'four errors');
    expect(raw.received(Kind.Error).map((error) => error.code)).toEqual([
      ErrorCode.UNKNOWN_KIND,
      ErrorCode.BAD_FRAME,
      ErrorCode.INVALID_MESSAGE,
      ErrorCode.BAD_FRAME,
    ]);
    for (let i = 0; i < 40; i++) raw.sendBytes(Uint8Array.of(0x7f));
    expect(await raw.closed).toBe(closeCodeFor(ErrorCode.TOO_MANY_ERRORS));
  });

  it('refuses a timestamp past what a Date holds (INVALID_MESSAGE): the room never sees an Invalid Date', async () => {
    const raw = await attacker();
    raw.send(Kind.CreateRoom, { rid: 1, type: 'test' });
    await eventually(() => raw.received(Kind.Response).length === 1, 'room created');
    // {t: 'echo', d: <a 12-byte timestamp of 2^63 - 1 seconds>}: well-formed msgpack, but no Date.
    const huge = [0xc7, 0x0c, 0xff, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    const echo = [0x82, 0xa1, 0x74, 0xa4, ...new TextEncoder().encode('echo'), 0xa1, 0x64];
    raw.sendBytes(Uint8Array.of(Kind.ClientRoomMessage, ...echo, ...huge));
    await eventually(() => raw.received(Kind.Error).length === 1, 'an error');
    expect(raw.received(Kind.Error)[0]?.code).toBe(ErrorCode.INVALID_MESSAGE);
    // A date far off yet within a Date's range (12 bytes too) still travels.
    const far = new Date(Date.UTC(9999, 0, 1));
    raw.send(Kind.ClientRoomMessage, { t: 'echo', d: far });
    await eventually(() => raw.received(Kind.ServerRoomMessage).length === 1, 'the echo');
    expect(raw.received(Kind.ServerRoomMessage)[0]?.d).toEqual(far);
    raw.close();
  });

  it('closes a socket that sends an oversize frame, with the standard 1009 code', async () => {
    const raw = await attacker();
    raw.sendBytes(new Uint8Array(5000));
    expect(await raw.closed).toBe(1009);
  });

  it('a refused token followed by a bad frame closes that socket only; the server and its players go on', async () => {
    const player = t.client();
    await player.connect();
    const room = await player.create('test');
    const echoes: unknown[] = [];
    room.onMessage('echo', (data) => echoes.push(data));
    for (const badFrame of [new Uint8Array(5000), Uint8Array.of(0x7f)]) {
      const refused = new RawClient(t.wsUrl, 'forged.token');
      // Sent as soon as the socket is open, before the refusal's close is read: the server still reads it.
      refused.socket.once('open', () => refused.sendBytes(badFrame));
      await refused.opened;
      expect(await refused.closed).not.toBe(1000);
      expect(refused.received(Kind.Error)[0]?.code).toBe(ErrorCode.UNAUTHORIZED);
    }
    room.send('echo', 'still here');
    await eventually(() => echoes.length === 1, 'the player is still served');
  });

  it('a client a little over its rate loses what is over it and is told, not its session', async () => {
    const raw = await attacker();
    // The default burst is 240 and the rate 120 a second: 400 pings at once are 160 over. (A stall of the
    // server's loop between the hello and the burst, which a loaded machine makes, is credited up to the
    // rate's refill since the hello: over a second of it would be needed to admit them all.)
    for (let id = 0; id < 400; id++) raw.send(Kind.Ping, { id, t: 0 });
    await sleep(1_500);
    for (let id = 400; id < 410; id++) raw.send(Kind.Ping, { id, t: 0 });
    await eventually(
      () => raw.received(Kind.Pong).some((pong) => pong.id === 409),
      'the later pings answered',
    );
    expect(raw.closeCode).toBeUndefined();
    const pongs = raw.received(Kind.Pong).length;
    expect(pongs).toBeGreaterThanOrEqual(250);
    expect(pongs).toBeLessThan(410);
    // Told once for the burst's drops (at most once a second), not once per dropped ping.
    const told = raw.received(Kind.Error).filter((error) => error.code === ErrorCode.RATE_LIMITED);
    expect(told.length).toBeGreaterThanOrEqual(1);
    expect(told.length).toBeLessThanOrEqual(2);
  });

  it('rate-limits a flood and then cuts the flooder off; a polite neighbour is unaffected', async () => {
    const polite = t.client();
    await polite.connect();
    const room = await polite.create('test');
    const echoes: unknown[] = [];
    room.onMessage('echo', (data) => echoes.push(data));
    const raw = await attacker();
    // A fault per 120 dropped (a second's worth at the default rate): the 20-fault budget goes within
    // the first ~2,600 of these.
    for (let i = 0; i < 20_000 && raw.socket.readyState === raw.socket.OPEN; i++) {
      raw.send(Kind.ListRooms, { rid: i });
    }
    const code = await raw.closed;
    expect(code).toBe(closeCodeFor(ErrorCode.TOO_MANY_ERRORS));
    expect(raw.received(Kind.Error).some((error) => error.code === ErrorCode.RATE_LIMITED)).toBe(true);
    room.send('echo', 'ok');
    await eventually(() => echoes.length === 1, 'neighbour served');
  });

  it('answers requests past 16 waiting at once with RATE_LIMITED, and serves the rest', async () => {
    const raw = await attacker();
    for (let rid = 1; rid <= 40; rid++) raw.send(Kind.ListRooms, { rid });
    await eventually(() => raw.received(Kind.Response).length === 40, 'every request answered');
    const answers = raw.received(Kind.Response);
    const refused = answers.filter((answer) => !answer.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((answer) => !answer.ok && answer.code === ErrorCode.RATE_LIMITED)).toBe(true);
    expect(answers.filter((answer) => answer.ok).length).toBeGreaterThanOrEqual(16);
    expect(raw.closeCode).toBeUndefined();
  });

  it('cuts off a sender guessing private room codes, as it does any sender of faults', async () => {
    const owner = t.client();
    await owner.connect();
    await owner.create('test', { private: true });
    const raw = await attacker();
    let answered = 0;
    for (let rid = 1; rid <= 60 && raw.closeCode === undefined; rid++) {
      raw.send(Kind.JoinByCode, { rid, code: `ZZZ${String(rid).padStart(3, '2')}` });
      await Promise.race([
        eventually(() => raw.received(Kind.Response).length === rid, 'answer', 2_000),
        raw.closed,
      ]);
      answered = raw.received(Kind.Response).length;
    }
    expect(await raw.closed).toBe(closeCodeFor(ErrorCode.TOO_MANY_ERRORS));
    // The budget is the fault budget (20): a player who mistypes a code a few times is not cut off.
    expect(answered).toBeGreaterThan(5);
    expect(answered).toBeLessThan(30);
  });

  it('closes a socket that says nothing within helloTimeoutMs, not at the next heartbeat', async () => {
    const quiet = await startServer({ test: TestRoom }, { helloTimeoutMs: 300, heartbeatMs: 20_000 });
    try {
      const silent = new RawClient(quiet.wsUrl, quiet.server.issueGuestToken());
      await silent.opened;
      const opened = Date.now();
      expect(await silent.closed).toBe(closeCodeFor(ErrorCode.HELLO_REQUIRED));
      // Well before the first heartbeat (20 s), which is where the check used to be.
      expect(Date.now() - opened).toBeLessThan(10_000);
      // Not in the protocol yet: told why, and sent nothing else (no heartbeat ping).
      expect(silent.frames.map((frame) => frame.message.kind)).toEqual([Kind.Error]);
      expect(silent.received(Kind.Error)[0]?.code).toBe(ErrorCode.HELLO_REQUIRED);
    } finally {
      await quiet.close();
    }
  });

  it('takes a helloTimeoutMs past what a timer holds as it is, not as 1 ms', async () => {
    // 2^31 ms, about 25 days: a valid option, which a timer given it directly fired at once.
    const patient = await startServer({ test: TestRoom }, { helloTimeoutMs: 2 ** 31 });
    try {
      const slow = new RawClient(patient.wsUrl, patient.server.issueGuestToken());
      await slow.opened;
      await sleep(300);
      expect(slow.closeCode).toBeUndefined();
      slow.hello();
      await eventually(() => slow.received(Kind.Welcome).length === 1, 'welcomed');
      slow.close();
    } finally {
      await patient.close();
    }
  });

  it('requires a hello first and a matching protocol version', async () => {
    const early = new RawClient(t.wsUrl, t.server.issueGuestToken());
    await early.opened;
    early.send(Kind.ListRooms, { rid: 1 });
    expect(await early.closed).toBe(closeCodeFor(ErrorCode.HELLO_REQUIRED));

    const old = new RawClient(t.wsUrl, t.server.issueGuestToken());
    await old.opened;
    old.send(Kind.Hello, { v: PROTOCOL_VERSION - 1 });
    expect(await old.closed).toBe(closeCodeFor(ErrorCode.PROTOCOL_VERSION_MISMATCH));
    expect(old.received(Kind.Error)[0]?.message).toBe(
      `this server speaks protocol ${PROTOCOL_VERSION}, the client ${PROTOCOL_VERSION - 1}: update the client`,
    );
  });
});
