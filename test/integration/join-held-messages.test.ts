import { Kind } from 'vehikill-net/protocol';
import { Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Sends each joiner (the creator aside) a welcome from onJoin, then holds onJoin until `release`. */
class WelcomingGateRoom extends Room {
  static release: (() => void) | undefined;
  static reset(): void {
    WelcomingGateRoom.release = undefined;
  }
  override async onJoin(client: RoomClient): Promise<void> {
    if (this.clients.length === 0) return;
    client.send('welcome', { to: client.playerId });
    await new Promise<void>((resolve) => {
      WelcomingGateRoom.release = resolve;
    });
  }
}

describe('a request refused for too many pending while a join is in flight', () => {
  it("keeps what the room sent from onJoin held until that join's own answer", async () => {
    WelcomingGateRoom.reset();
    t = await startServer({ gate: WelcomingGateRoom });
    const alice = t.client();
    await alice.connect();
    const room = await alice.create('gate');
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('Bob'));
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    raw.send(Kind.JoinRoom, { rid: 1, roomId: room.roomId });
    await eventually(() => WelcomingGateRoom.release !== undefined, "Bob's onJoin under way");
    // 16 requests waiting at most: the join and 15 listings; the 17th is refused at once.
    for (let rid = 2; rid <= 17; rid++) raw.send(Kind.ListRooms, { rid });
    await eventually(() => raw.received(Kind.Response).some((answer) => answer.rid === 17), 'refusal');
    expect(raw.received(Kind.Response).find((answer) => answer.rid === 17)).toMatchObject({
      ok: false,
      code: 'RATE_LIMITED',
    });
    await sleep(50);
    // The welcome is for a room the player does not know of before the join's answer.
    expect(raw.received(Kind.ServerRoomMessage)).toEqual([]);
    WelcomingGateRoom.release?.();
    await eventually(() => raw.received(Kind.ServerRoomMessage).length === 1, 'the welcome');
    const kinds = raw.frames.map((frame) => frame.message);
    const joinAnswer = kinds.findIndex((m) => m.kind === Kind.Response && m.body.rid === 1);
    const welcome = kinds.findIndex((m) => m.kind === Kind.ServerRoomMessage);
    expect(joinAnswer).toBeGreaterThan(-1);
    expect(welcome).toBeGreaterThan(joinAnswer);
    raw.close();
  });
});
