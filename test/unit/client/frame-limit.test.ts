import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { ErrorCode, Kind, ProtocolError } from '../../../src/protocol/index.js';
import { settle } from './fakes/fake-peer-connection.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';

/**
 * A client of a server that takes frames of at most 4 KiB but does not say so in its welcome (as servers
 * before `maxFrameBytes` did): the client still assumes the protocol's 64 KiB.
 */
async function clientOfQuietServer(announcedMaxFrameBytes?: number) {
  const clock = new ManualClock();
  const server = new FakeServer();
  server.maxPayload = 4_096;
  const announced = announcedMaxFrameBytes === undefined ? {} : { maxFrameBytes: announcedMaxFrameBytes };
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) {
      const resumed = message.body.resume !== undefined;
      server.welcome(SELF, clock, resumed ? { resumed: true, ack: server.lastSeq, ...announced } : announced);
    } else if (message.kind === Kind.JoinRoom) {
      const result = joinedRoom('room1', [SELF], { membership: 0 });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result });
    }
  };
  const client = server.client(clock);
  const seen = { drops: 0, errors: [] as ProtocolError[] };
  client.on('drop', () => seen.drops++);
  client.on('error', (error) => seen.errors.push(error));
  await client.connect();
  const room = await client.join('room1');
  /** Runs the client's timers (reconnect backoff) for `ms`, a second at a time. */
  const run = async (ms: number) => {
    for (let at = 0; at < ms; at += 1_000) {
      clock.advance(1_000);
      await settle();
    }
  };
  const chats = () => server.receivedOf(Kind.ClientRoomMessage).map((m) => (m.d as { text: string }).text);
  return { server, client, room, seen, run, chats };
}

describe('a frame the server refuses for its size (1009) that the client let through', () => {
  it('is dropped with an error and not replayed on every resume; smaller messages go on', async () => {
    const { server, client, room, seen, run, chats } = await clientOfQuietServer();
    room.send('chat', { text: 'x'.repeat(10_000) });
    room.send('chat', { text: 'after the big one' });
    await settle();
    expect(server.refused).toBe(1);
    expect(seen.drops).toBe(1);
    await run(30_000);
    expect(client.state).toBe('open');
    expect(server.refused, 'the big frame is not replayed').toBe(1);
    expect(seen.drops).toBe(1);
    expect(seen.errors.map((e) => e.code)).toEqual([ErrorCode.MESSAGE_TOO_LARGE]);
    expect(seen.errors[0]?.message).toMatch(/1009.*1 message over it dropped unsent/);
    // What was sent behind it was replayed on the resume, and new messages go on.
    room.send('chat', { text: 'small' });
    expect(chats()).toEqual(['after the big one', 'small']);
    // The client now knows the limit is below that frame: the same message throws at the call.
    expect(() => room.send('chat', { text: 'x'.repeat(10_000) })).toThrow(ProtocolError);
    expect(server.refused).toBe(1);
  });

  it('keeps the limit it learned when a welcome announces a larger one (the 1009 came from in between)', async () => {
    // The server says 64 KiB, but a proxy in front of it takes 4 KiB.
    const { server, client, room, seen, run, chats } = await clientOfQuietServer(65_536);
    room.send('chat', { text: 'acked before' });
    room.send('chat', { text: 'x'.repeat(10_000) });
    await settle();
    expect(server.refused).toBe(1);
    await run(30_000);
    expect(client.state).toBe('open');
    expect(server.refused, 'the big frame is not replayed').toBe(1);
    expect(seen.errors.map((e) => e.code)).toEqual([ErrorCode.MESSAGE_TOO_LARGE]);
    expect(() => room.send('chat', { text: 'x'.repeat(10_000) })).toThrow(ProtocolError);
    room.send('chat', { text: 'small' });
    expect(chats()).toEqual(['acked before', 'small']);
  });

  it('fails a request that was among the dropped, instead of leaving it waiting', async () => {
    const { server, client, seen, run } = await clientOfQuietServer();
    const created = client.create('test', { options: { blob: 'x'.repeat(10_000) } });
    await settle();
    expect(server.refused).toBe(1);
    await expect(created).rejects.toSatisfy(
      (error) => error instanceof ProtocolError && error.code === ErrorCode.MESSAGE_TOO_LARGE,
    );
    await run(5_000);
    expect(server.refused).toBe(1);
    expect(seen.drops).toBe(1);
    expect(client.state).toBe('open');
  });

  it('a volatile frame refused once: the limit is lowered, nothing is replayed', async () => {
    const { server, room, seen, run, chats } = await clientOfQuietServer();
    room.send('chat', { text: 'x'.repeat(10_000) }, { class: 'volatile' });
    await settle();
    await run(5_000);
    expect(server.refused).toBe(1);
    expect(seen.errors.map((e) => e.code)).toEqual([ErrorCode.MESSAGE_TOO_LARGE]);
    expect(() => room.send('chat', { text: 'x'.repeat(10_000) }, { class: 'volatile' })).toThrow(
      ProtocolError,
    );
    room.send('chat', { text: 'small' });
    expect(chats()).toEqual(['small']);
  });
});
