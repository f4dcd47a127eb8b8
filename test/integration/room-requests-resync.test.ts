import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { ignored } from '../support/ignored.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { roomWithTargetBehindProxy } from '../support/target-behind-proxy.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let proxy: TcpProxy;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

/**
 * A reply the server's outbox dropped while the player was away (more was sent to them than it holds) is
 * sent again after the resume's resync, as a request's answer is: the request would only time out.
 */
describe('a room request whose reply was dropped from an overflowing outbox', () => {
  it('is answered after the resync, once', async () => {
    t = await startServer({ test: TestRoom }, { outboxMessages: 8 });
    const behindProxy = await roomWithTargetBehindProxy(t);
    proxy = behindProxy.proxy;
    const { bob, aliceRoom, bobRoom } = behindProxy;
    await eventually(() => aliceRoom.members.length === 2, 'alice sees bob');
    let resyncs = 0;
    bob.on('reconnect', ({ resync }) => {
      if (resync) resyncs++;
    });
    const metrics = t.server.metrics as CountingMetrics;
    const written = (kind: string) => metrics.total('messages_out_total', { kind });
    proxy.stallDownstream();
    const before = written('room_reply');
    const reply = bobRoom.request('chat', { text: 'hello' }, { timeoutMs: 20_000 });
    await eventually(() => written('room_reply') > before, 'the reply written into the stalled socket');
    // Twelve chats behind it, each heard by Bob, in an outbox of 8: the reply is dropped from it. They only
    // fill the outbox: neither player reads them.
    aliceRoom.onMessage('chat', ignored);
    bobRoom.onMessage('chat', ignored);
    const chats = written('server_room_message');
    for (let i = 0; i < 12; i++) aliceRoom.send('chat', { text: `m${i}` });
    await eventually(() => written('server_room_message') >= chats + 24, 'the chats written');
    proxy.dropAll();
    expect(await reply).toBeUndefined();
    expect(resyncs).toBe(1);
    expect(bob.stats().requests).toMatchObject({ waiting: 0, timedOut: 0 });
  });
});
