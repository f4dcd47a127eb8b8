import * as v from 'valibot';
import { Kind } from 'vehikill-net/protocol';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { rawMember } from '../support/raw-member.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Answers 'rtt' with the round trip the server measured for the sender (`RoomClient.rttMs`). */
class RttRoom extends Room {
  override onCreate(): void {
    this.onMessage('rtt', v.unknown(), (client) => client.send('rtt', client.rttMs));
  }
}

describe("a player's heartbeat round trip", () => {
  it('is timed from when the server sent its ping, not from a time the pong makes up', async () => {
    t = await startServer({ rtt: RttRoom }, { heartbeatMs: 200 });
    const alice = t.client();
    await alice.connect();
    const room = await alice.create('rtt');
    const raw = await rawMember(t, room.roomId);
    await eventually(() => raw.received(Kind.Ping).length >= 1, 'a ping from the server');
    const ping = raw.received(Kind.Ping)[0] as { id: number; t: number };
    // A minute of round trip it never had (a lag-compensation cheat), then a pong to a ping never sent.
    raw.send(Kind.Pong, { id: ping.id, t: ping.t - 60_000, rt: 0 });
    raw.send(Kind.Pong, { id: ping.id + 1_000, t: -1e300, rt: 0 });
    raw.send(Kind.ClientRoomMessage, { t: 'rtt' });
    await eventually(() => raw.received(Kind.ServerRoomMessage).length === 1, 'the room answered');
    const [forged] = raw.received(Kind.ServerRoomMessage).map((message) => message.d as number);
    expect(forged).toBeLessThan(1_000);
    // An honest echo of the next ping is measured.
    await eventually(() => raw.received(Kind.Ping).length >= 2, 'the next ping');
    const next = raw.received(Kind.Ping).at(-1) as { id: number; t: number };
    raw.send(Kind.Pong, { id: next.id, t: next.t, rt: 0 });
    raw.send(Kind.ClientRoomMessage, { t: 'rtt' });
    await eventually(() => raw.received(Kind.ServerRoomMessage).length === 2, 'the room answered again');
    const honest = raw.received(Kind.ServerRoomMessage)[1]?.d as number;
    expect(honest).toBeGreaterThan(0);
    expect(honest).toBeLessThan(1_000);
  });
});
