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
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { roomWithTargetBehindProxy } from '../support/target-behind-proxy.js';
import type { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
let proxy: TcpProxy;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

const chat = (text: string) => encodeMessage(Kind.ClientRoomMessage, { t: 'chat', d: { text } });

describe('sequence numbers far ahead (MAX_SEQ_AHEAD)', () => {
  it('end the session of the client that sends one, while gaps of messages that died keep working', async () => {
    const metrics = new CountingMetrics();
    t = await startServer({ test: TestRoom }, { metrics });
    const seated = await roomWithTargetBehindProxy(t);
    proxy = seated.proxy;
    const { bob, aliceRoom, bobRoom } = seated;
    const heard: string[] = [];
    aliceRoom.onMessage('chat', (data) => heard.push((data as { text: string }).text));

    const token = t.server.issueGuestToken('jumper');
    const jumper = await rawMember(t, aliceRoom.roomId, token);
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
    await eventually(
      () => !aliceRoom.members.some((member) => member.playerId === playerId),
      'the jumper gone from the room',
    );
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
