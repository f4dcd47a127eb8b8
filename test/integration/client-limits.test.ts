import type { Client, RoomConnection } from 'vehikill-net/client';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import type { GameServerOptions } from 'vehikill-net/server';
import { Channel } from 'vehikill-net/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

/** Alice in a room, with what she hears echoed back and what goes wrong with her session. */
async function setup(options: GameServerOptions = {}) {
  t = await startServer({ test: TestRoom }, options);
  const alice = t.client();
  const seen = watch(alice);
  await alice.connect();
  const room = await alice.create('test');
  const echoes: unknown[] = [];
  room.onMessage('echo', (data) => echoes.push(data));
  return { alice, room, echoes, seen };
}

function watch(client: Client) {
  const seen = { drops: 0, errors: [] as ProtocolError[] };
  client.on('drop', () => seen.drops++);
  client.on('error', (error) => seen.errors.push(error));
  return seen;
}

function tooLarge(limit: number) {
  return (error: unknown) =>
    error instanceof ProtocolError &&
    error.code === ErrorCode.MESSAGE_TOO_LARGE &&
    error.message.includes(limit.toLocaleString('en-US'));
}

/** Expects `send` to throw MESSAGE_TOO_LARGE naming `limit`. */
function expectRefused(send: () => unknown, limit: number): void {
  let thrown: unknown;
  try {
    send();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'the send throws').toBeInstanceOf(ProtocolError);
  expect(tooLarge(limit)(thrown), String(thrown)).toBe(true);
}

async function expectUsable(room: RoomConnection, echoes: unknown[], seen: { drops: number }) {
  room.send('echo', 'small');
  await eventually(() => echoes.includes('small'), 'the next small message arrives');
  await sleep(100);
  expect(seen.drops, 'the socket was never dropped').toBe(0);
}

describe('a message over the server frame limit', () => {
  it('throws MESSAGE_TOO_LARGE at the call, in every class, and the session goes on', async () => {
    const { room, echoes, seen } = await setup();
    const big = { text: 'x'.repeat(100_000) };
    expectRefused(() => room.send('echo', big), 65_536);
    expectRefused(() => room.send('echo', big, { class: 'expiring', ttlMs: 1_000 }), 65_536);
    expectRefused(() => room.send('echo', big, { class: 'volatile' }), 65_536);
    // Just under the limit with its envelope still goes.
    room.send('echo', 'y'.repeat(60_000));
    await eventually(() => echoes.some((e) => typeof e === 'string' && e.length === 60_000), 'a large echo');
    await expectUsable(room, echoes, seen);
    expect(seen.errors).toEqual([]);
  });

  it('rejects a request whose body is too large, with nothing left waiting', async () => {
    const { alice, room, echoes, seen } = await setup();
    await expect(alice.create('test', { options: { blob: 'x'.repeat(70_000) } })).rejects.toSatisfy(
      tooLarge(65_536),
    );
    await expect(alice.listRooms({ type: 'test' })).resolves.toHaveLength(1);
    await expectUsable(room, echoes, seen);
  });

  it('uses the limit the server announces in its welcome', async () => {
    const { room, echoes, seen } = await setup({ maxPayloadBytes: 4_096 });
    expectRefused(() => room.send('echo', 'x'.repeat(5_000)), 4_096);
    expectRefused(() => room.signal(room.members[0]?.playerId ?? '', { sdp: 'x'.repeat(5_000) }), 4_096);
    await expectUsable(room, echoes, seen);
  });

  it('refuses peer data through the relay over what the server relays', async () => {
    const { alice, room } = await setup();
    const bob = t.client();
    await bob.connect();
    const bobRoom = await bob.join(room.roomId);
    // Bob's join answer and Alice's news of him come on two sockets: a link to him waits for the news.
    await eventually(
      () => room.members.some((member) => member.playerId === bob.playerId),
      'Bob in the room',
    );
    const heard: number[] = [];
    bobRoom.relayLink(alice.playerId ?? '').onMessage((_channel, bytes) => heard.push(bytes.length));
    const link = room.relayLink(bob.playerId ?? '');
    for (const channel of [Channel.phys, Channel.event, Channel.dispatch]) {
      expect(link.send(channel, new Uint8Array(16 * 1024 + 1)), channel).toBe(false);
    }
    expect(link.send(Channel.event, new Uint8Array(16 * 1024))).toBe(true);
    await eventually(() => heard.includes(16 * 1024), 'the largest relayed message arrives');
  });

  it('a request sent before the welcome, over the limit the welcome announces: rejected, not replayed', async () => {
    t = await startServer({ test: TestRoom }, { maxPayloadBytes: 4_096 });
    const alice = t.client();
    const seen = watch(alice);
    const connected = alice.connect();
    const created = alice.create('test', { options: { blob: 'x'.repeat(10_000) } });
    await connected;
    await expect(created).rejects.toSatisfy(tooLarge(4_096));
    const room = await alice.create('test');
    const echoes: unknown[] = [];
    room.onMessage('echo', (data) => echoes.push(data));
    await expectUsable(room, echoes, seen);
  });
});
