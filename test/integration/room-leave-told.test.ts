import type { Client, RoomConnection } from 'vehikill-net/client';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/*
 * `room.leave()` says no goodbye on the leaver's peer links (the room closes them first, saying nothing),
 * and needs none: the leave itself reaches the server at once, which takes the player out of the room then
 * and tells the others, whose meshes close their links to the player as they hear it. The same as a
 * `client.close()` gives them (a clean close ends the session at once), and nothing like a player gone
 * silent (heard of only when the grace period ends). The grace period and heartbeats here are far longer
 * than the test may wait: nothing but the leave itself can tell anyone in time.
 */
class LeaveRoom extends TestRoom {
  static created: LeaveRoom[] = [];
  override onCreate(options: unknown): void {
    super.onCreate(options);
    LeaveRoom.created.push(this);
  }
}

let t: TestServer;
afterEach(() => t?.close());

/** Ada and Bea in one room, each with a relay mesh to the other; what Ada hears of Bea, in order. */
async function pair() {
  t = await startServer({ test: LeaveRoom }, { graceMs: 60_000, heartbeatMs: 30_000 });
  const ada: Client = t.client({ name: 'Ada' });
  const bea: Client = t.client({ name: 'Bea' });
  await Promise.all([ada.connect(), bea.connect()]);
  const adaRoom = await ada.create('test');
  const room = LeaveRoom.created.at(-1) as LeaveRoom;
  const beaRoom: RoomConnection = await bea.join(adaRoom.roomId);
  const adaMesh = adaRoom.mesh({ rtc: false });
  beaRoom.mesh({ rtc: false });
  await eventually(() => adaMesh.link(beaRoom.selfId)?.state === 'relayed', "Ada's link to Bea up");
  const heard: string[] = [];
  const beaId = beaRoom.selfId;
  adaRoom.on('member-leave', ({ playerId, reason }) => {
    // Read as the leave is told: the link is closed by then, not by a keepalive that stopped later.
    heard.push(`member-leave:${playerId === beaId ? 'Bea' : playerId}:${reason}`);
    heard.push(`link:${adaMesh.link(beaRoom.selfId)?.state ?? 'none'}`);
  });
  return { ada, bea, adaRoom, beaRoom, room, heard };
}

describe('a player leaving a room is told to the room and the others at once', () => {
  it('by room.leave() alone (its mesh open): the room and the others hear "left", and its session goes on', async () => {
    const { bea, beaRoom, room, heard } = await pair();
    const beaId = bea.playerId;
    await beaRoom.leave();
    // leave() resolves once the server answered, which it does after taking Bea out of the room.
    expect(room.events).toEqual([expect.stringMatching(/^join:/), `join:${beaId}`, `leave:${beaId}:left`]);
    expect(room.clients.map((client) => client.playerId)).not.toContain(beaId);
    await eventually(() => heard.length === 2, 'Ada hears Bea leave');
    expect(heard).toEqual(['member-leave:Bea:left', 'link:none']);
    expect(bea.state).toBe('open');
    expect(bea.playerId).toBe(beaId);
  });

  it('by client.close(), alike', async () => {
    const { bea, room, heard } = await pair();
    const beaId = bea.playerId;
    await bea.close();
    await eventually(() => heard.length === 2, 'Ada hears Bea leave');
    expect(heard).toEqual(['member-leave:Bea:left', 'link:none']);
    expect(room.events.at(-1)).toBe(`leave:${beaId}:left`);
  });
});
