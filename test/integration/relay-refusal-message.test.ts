import { Channel, ErrorCode, type ProtocolError } from 'vehikill-net/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom });
});
afterAll(() => t.close());

/** Alice and Bob in one room; what Alice's client is told RATE_LIMITED. */
async function pair() {
  const [alice, bob] = [t.client(), t.client()];
  await Promise.all([alice.connect(), bob.connect()]);
  const aliceRoom = await alice.create('test');
  const bobRoom = await bob.join(aliceRoom.roomId);
  const told: ProtocolError[] = [];
  alice.on('error', (error) => {
    if (error.code === ErrorCode.RATE_LIMITED) told.push(error);
  });
  return { alice, bob, aliceRoom, bobRoom, told, bobId: bob.playerId as string };
}

/**
 * A sender over its budget towards one player is told so, but a mesh relays to every player, and the
 * budget is the server's to set: "too much ... to that player" left the app with no way to tell which
 * player, or what to change.
 */
describe('a refusal of relayed data or signals over the budget towards a player', () => {
  it('names the player and the server options that bound relayed data', async () => {
    const { alice, bob, aliceRoom, bobRoom, told, bobId } = await pair();
    const aliceMesh = aliceRoom.mesh({ rtc: false });
    bobRoom.mesh({ rtc: false });
    await eventually(() => aliceMesh.link(bobId)?.state === 'relayed', 'relayed link');
    // 40 of 16,000 bytes: 640 KB at once, over the default burst of 256 KiB.
    for (let i = 0; i < 40; i++) aliceMesh.send(bobId, Channel.dispatch, new Uint8Array(16_000));
    await eventually(() => told.length > 0, 'alice is told');
    expect(told[0]?.message).toContain(`to player ${bobId},`);
    expect(told[0]?.message).toContain('over 262,144 bytes at once or 32,768 a second');
    expect(told[0]?.message).toContain('relayBytesPerSecond');
    alice.close();
    bob.close();
  }, 20_000);

  it('names the player and the server options that bound signals', async () => {
    const { alice, bob, aliceRoom, told, bobId } = await pair();
    const candidate = { candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0' } };
    // 45 signals at once: over the default burst of 40.
    for (let i = 0; i < 45; i++) aliceRoom.signal(bobId, candidate);
    await eventually(() => told.length > 0, 'alice is told');
    expect(told[0]?.message).toContain(`to player ${bobId},`);
    expect(told[0]?.message).toContain('over 40 signals or 65,536 bytes at once');
    expect(told[0]?.message).toContain('signalsPerSecond');
    alice.close();
    bob.close();
  }, 20_000);
});
