import {
  closeCodeFor,
  ErrorCode,
  encodeMessage,
  Kind,
  MAX_SEQ_AHEAD,
  wrapReliable,
} from 'vehikill-net/protocol';
import { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let proxy: TcpProxy;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

const chat = (text: string) => encodeMessage(Kind.ClientRoomMessage, { t: 'chat', d: { text } });

/** A bare client seated in `roomId`, which numbers its sequenced messages itself. */
async function rawMember(roomId: string, token: string): Promise<RawClient> {
  const raw = new RawClient(t.wsUrl, token);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  raw.send(Kind.JoinRoom, { rid: 1, roomId });
  await eventually(() => raw.received(Kind.Response).length === 1, 'joined');
  return raw;
}

describe('sequence numbers far ahead (MAX_SEQ_AHEAD)', () => {
  it('end the session of the client that sends one, while gaps of messages that died keep working', async () => {
    const metrics = new CountingMetrics();
    t = await startServer({ test: TestRoom }, { metrics });
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const alice = t.client();
    const bob = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    await Promise.all([alice.connect(), bob.connect()]);
    const aliceRoom = await alice.create('test');
    const bobRoom = await bob.join(aliceRoom.roomId);
    const heard: string[] = [];
    aliceRoom.onMessage('chat', (data) => heard.push((data as { text: string }).text));

    const token = t.server.issueGuestToken('jumper');
    const jumper = await rawMember(aliceRoom.roomId, token);
    const { playerId, resumeToken } = jumper.received(Kind.Welcome)[0]!;
    jumper.sendBytes(wrapReliable(1, chat('first')));
    // The widest gap a client may leave: every number between died unsent.
    jumper.sendBytes(wrapReliable(1 + MAX_SEQ_AHEAD, chat('at the edge')));
    await eventually(() => heard.includes('at the edge'), 'the widest legal gap taken');
    jumper.sendBytes(wrapReliable(2 + 2 * MAX_SEQ_AHEAD, chat('past the edge')));
    expect(await jumper.closed).toBe(closeCodeFor(ErrorCode.INVALID_MESSAGE));
    expect(jumper.received(Kind.Error)).toEqual([
      expect.objectContaining({ code: ErrorCode.INVALID_MESSAGE, message: expect.stringContaining('past') }),
    ]);
    // Ended at once, out of the room: nothing to resume into the same refusal.
    await eventually(() => aliceRoom.members.length === 2, 'the jumper gone from the room');
    const resuming = new RawClient(t.wsUrl, token);
    await resuming.opened;
    resuming.hello({ playerId, token: resumeToken, ack: 0 });
    expect(await resuming.closed).toBe(closeCodeFor(ErrorCode.SESSION_EXPIRED));
    expect(resuming.received(Kind.Error)[0]?.message).toContain(ErrorCode.INVALID_MESSAGE);
    expect(metrics.total('bad_input_total', { code: ErrorCode.INVALID_MESSAGE })).toBe(1);
    expect(metrics.total('connections_cut_total', { code: ErrorCode.INVALID_MESSAGE })).toBe(1);

    // Bob, away, sends expiring messages that die before he is back (more than his outbox holds), then a
    // reliable one: the gap it arrives after is legal, and his session goes on.
    let resumed = 0;
    bob.on('reconnect', ({ resumed: same }) => {
      if (same) resumed++;
    });
    proxy.block();
    await eventually(() => aliceRoom.members.some((member) => member.away), 'bob away');
    for (let batch = 0; batch < 4; batch++) {
      for (let i = 0; i < 500; i++)
        bobRoom.send('chat', { text: `stale ${i}` }, { class: 'expiring', ttlMs: 1 });
      await sleep(5);
    }
    bobRoom.send('chat', { text: 'after the gap' });
    proxy.unblock();
    await eventually(() => heard.includes('after the gap'), 'bob heard after his gap', 10_000);
    expect(resumed).toBe(1);
    expect(heard.filter((text) => text.startsWith('stale'))).toEqual([]);
    expect(heard).not.toContain('past the edge');
    expect(metrics.total('bad_input_total')).toBe(1);
  });
});
