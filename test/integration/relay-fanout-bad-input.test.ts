import { Channel, type RoomConnection } from 'vehikill-net/client';
import { ErrorCode, Kind } from 'vehikill-net/protocol';
import type { CountingMetrics } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** A well-formed player id of nobody in the room. */
const STRANGER = 'nobodyHere01';

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

/** Alice and Bob (honest clients) and a raw member who sends DataToPeers by hand, in one room. */
async function roomWithRawSender() {
  t = await startServer({ test: TestRoom }, { maxPayloadBytes: 64 * 1024 });
  const [alice, bob] = [t.client(), t.client()];
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  const raw = await rawMember(t, aliceRoom.roomId);
  const rawId = raw.received(Kind.Welcome)[0]!.playerId;
  await eventually(
    () => [aliceRoom, bobRoom].every((room) => room.members.some((m) => m.playerId === rawId)),
    'everyone sees the raw member',
  );
  /** Phys bytes each honest member heard from the raw member, first byte of each. */
  const heardBy = (room: RoomConnection) => {
    const heard: number[] = [];
    room.relayLink(rawId).onMessage((channel, bytes) => {
      if (channel === Channel.phys) heard.push(bytes[0]!);
    });
    return heard;
  };
  const metrics = t.server.metrics as CountingMetrics;
  const errors = () => raw.received(Kind.Error).map((error) => error.code);
  return { alice, bob, aliceRoom, bobRoom, raw, rawId, heardBy, metrics, errors };
}

describe('DataToPeers from a member who sends what he likes', () => {
  it('a listed non-member and the sender himself are skipped and counted; the others get the sample', async () => {
    const { alice, bob, raw, rawId, heardBy, aliceRoom, bobRoom, metrics, errors } =
      await roomWithRawSender();
    const aliceHeard = heardBy(aliceRoom);
    const bobHeard = heardBy(bobRoom);
    raw.send(Kind.DataToPeers, {
      to: [alice.playerId!, STRANGER, rawId, bob.playerId!],
      c: 0,
      p: Uint8Array.of(7),
    });
    await eventually(() => aliceHeard.length === 1 && bobHeard.length === 1, 'both members hear the sample');
    expect([aliceHeard, bobHeard]).toEqual([[7], [7]]);
    expect(metrics.total('relayed_fanout_skipped_total')).toBe(2);
    await sleep(50);
    expect(errors()).toEqual([]); // a race with a leave is not a fault
    expect(metrics.total('bad_input_total')).toBe(0);
  });

  it.each([
    [
      'a player listed twice',
      (ids: string[]) => ({ to: [ids[0]!, ids[1]!, ids[0]!], c: 0, p: Uint8Array.of(1) }),
    ],
    [
      'more than 64 players',
      () => ({
        to: Array.from({ length: 65 }, (_, i) => `player${String(i).padStart(4, '0')}`),
        c: 0,
        p: Uint8Array.of(1),
      }),
    ],
    ['no players', () => ({ to: [], c: 0, p: Uint8Array.of(1) })],
    ['channel event', (ids: string[]) => ({ to: ids, c: 1, p: Uint8Array.of(1) })],
    ['channel dispatch', (ids: string[]) => ({ to: ids, c: 2, p: Uint8Array.of(1) })],
    ['bytes over 16 KiB', (ids: string[]) => ({ to: ids, c: 0, p: new Uint8Array(16 * 1024 + 1) })],
  ])('%s: refused INVALID_MESSAGE, relayed to nobody; the room carries on', async (_name, body) => {
    const { alice, bob, raw, heardBy, aliceRoom, bobRoom, errors } = await roomWithRawSender();
    const aliceHeard = heardBy(aliceRoom);
    const bobHeard = heardBy(bobRoom);
    const bobChat: unknown[] = [];
    bobRoom.onMessage('chat', (data) => bobChat.push(data));
    raw.send(Kind.DataToPeers, body([alice.playerId!, bob.playerId!]) as never);
    await eventually(() => errors().length === 1, 'the refusal');
    expect(errors()).toEqual([ErrorCode.INVALID_MESSAGE]);
    // The honest members lose nothing: the room still carries their traffic.
    aliceRoom.send('chat', { text: 'still here' });
    await eventually(() => bobChat.length === 1, 'chat after the bad message');
    await sleep(50);
    expect([aliceHeard, bobHeard]).toEqual([[], []]);
  });

  it('samples faster than the gate: each member gets the first and the newest, the newest made as it leaves', async () => {
    const { alice, bob, raw, rawId, aliceRoom, bobRoom, metrics } = await roomWithRawSender();
    /** What a member hears from the raw member, with the server's forwarding stamp of each. */
    const stampedBy = (room: RoomConnection) => {
      const link = room.relayLink(rawId);
      const heard: Array<{ sample: number; stampedAt: number }> = [];
      link.onMessage((channel, bytes) => {
        if (channel === Channel.phys) heard.push({ sample: bytes[0]!, stampedAt: link.lastServerTime });
      });
      return heard;
    };
    const members = [stampedBy(aliceRoom), stampedBy(bobRoom)];
    /**
     * The gate's promise for one burst, to each member: the first sample at once, the newest in the end,
     * none closer together than the gate's 50 ms, and no sample twice. The ten are sent in one go; a
     * server stalled past the gate while they arrive may let one from the middle through as well, which
     * is the same rule, so the test does not assume they all land before the gate opens.
     */
    const expectGated = (
      heard: Array<{ sample: number; stampedAt: number }>,
      first: number,
      newest: number,
    ) => {
      const samples = heard.map((h) => h.sample);
      expect(samples[0]).toBe(first);
      expect(samples.at(-1)).toBe(newest);
      expect(samples).toEqual([...samples].sort((a, b) => a - b));
      expect(new Set(samples).size).toBe(samples.length);
      // Each after the first waited at the gate and was made into a frame only as it left (stamped then),
      // not as each one behind it was offered: a flood costs frames only for what leaves.
      for (let i = 1; i < heard.length; i++)
        expect(heard[i]!.stampedAt - heard[i - 1]!.stampedAt).toBeGreaterThan(40);
    };
    for (let sample = 1; sample <= 10; sample++) {
      raw.send(Kind.DataToPeers, { to: [alice.playerId!, bob.playerId!], c: 0, p: Uint8Array.of(sample) });
    }
    await eventually(
      () => members.every((heard) => heard.at(-1)?.sample === 10),
      'the newest sample at both members',
    );
    await sleep(100);
    for (const heard of members) expectGated(heard, 1, 10);
    // Every sample not forwarded was replaced at a gate and counted for the operator (eight a member
    // when the server keeps up).
    const replaced = (count: number) => members.reduce((sum, heard) => sum + count - heard.length, 0);
    expect(metrics.total('relayed_phys_replaced_total')).toBe(replaced(10));
    // One peer at a time (DataToPeer), the same gate and the same count.
    const aliceHeard = members[0]!;
    const before = aliceHeard.length;
    const replacedBefore = metrics.total('relayed_phys_replaced_total');
    for (let sample = 11; sample <= 20; sample++)
      raw.send(Kind.DataToPeer, { to: alice.playerId!, c: 0, p: Uint8Array.of(sample) });
    await eventually(() => aliceHeard.at(-1)?.sample === 20, 'the newest sample, again');
    await sleep(100);
    const again = aliceHeard.slice(before);
    expectGated(again, 11, 20);
    expect(metrics.total('relayed_phys_replaced_total') - replacedBefore).toBe(10 - again.length);
  });

  it('from a player in no room, or tagged for a room he has left: NOT_IN_ROOM, a notice', async () => {
    const { alice, bob, raw, heardBy, aliceRoom, metrics, errors } = await roomWithRawSender();
    const aliceHeard = heardBy(aliceRoom);
    raw.send(Kind.DataToPeers, { to: [alice.playerId!, bob.playerId!], c: 0, p: Uint8Array.of(1), m: 200 });
    await eventually(() => errors().length === 1, 'the stale membership refused');
    const outsider = new RawClient(t.wsUrl, t.server.issueGuestToken('outsider'));
    await outsider.opened;
    outsider.hello();
    await eventually(() => outsider.received(Kind.Welcome).length === 1, 'welcome');
    outsider.send(Kind.DataToPeers, { to: [alice.playerId!, bob.playerId!], c: 0, p: Uint8Array.of(2) });
    await eventually(() => outsider.received(Kind.Error).length === 1, 'the outsider refused');
    expect(errors()).toEqual([ErrorCode.NOT_IN_ROOM]);
    expect(outsider.received(Kind.Error).map((error) => error.code)).toEqual([ErrorCode.NOT_IN_ROOM]);
    await sleep(50);
    expect(aliceHeard).toEqual([]);
    expect(metrics.total('bad_input_total')).toBe(0);
    outsider.close();
  });
});
