import { describe, expect, it } from 'vitest';
import type { RoomConnection } from '../../../src/client/room-connection.js';
import { ErrorCode, Kind } from '../../../src/protocol/index.js';
import { seatedClient } from './fakes/seated-client.js';

const SELF = 'aaaaaaaa01';
const OTHER = 'bbbbbbbb02';

/**
 * A client seated in room-1, whose socket the test drops and whose resumes it welcomes by hand
 * (`resume`); `pong()` answers the newest ping, as the server does once it has read it.
 */
async function seated() {
  const { client, server, clock, room, drop, reconnect } = await seatedClient(SELF, OTHER);
  const left: string[] = [];
  room.on('leave', ({ reason }) => left.push(reason));
  const resume = async (resync: boolean) => {
    await drop();
    await reconnect();
    server.welcome(SELF, clock, { resumed: true, resync, ack: server.lastSeq });
  };
  const pong = () => {
    const ping = server.receivedOf(Kind.Ping).at(-1);
    if (ping) server.send(Kind.Pong, { id: ping.id, t: ping.t, rt: clock.now() });
  };
  const roomState = (of: RoomConnection) =>
    server.send(Kind.RoomState, { roomId: of.roomId, members: [...of.members], state: {} });
  return { client, room, left, resume, pong, roomState, pings: () => server.receivedOf(Kind.Ping).length };
}

describe('where a resync finds the client seated', () => {
  it('no RoomState before the server caught up: out of the room, with its leave event', async () => {
    const { client, room, left, resume, pong } = await seated();
    await resume(true);
    expect(left).toEqual([]); // the replay and the RoomState may still be on their way
    pong();
    expect(left).toEqual([ErrorCode.OUTBOX_OVERFLOW]);
    expect(room.left).toBe(true);
    expect(client.room).toBeUndefined();
  });

  it('its RoomState came: the room stays', async () => {
    const { client, room, left, resume, pong, roomState } = await seated();
    await resume(true);
    roomState(room);
    pong();
    expect(left).toEqual([]);
    expect(client.room).toBe(room);
  });

  it('a drop before the server caught up: checked again after the next resume', async () => {
    const { client, left, resume, pong, pings } = await seated();
    await resume(true);
    const sent = pings();
    await resume(false); // the pong never came on the old socket
    // The welcome's first clock ping, then the check again (the newest, which `pong` answers).
    expect(pings()).toBe(sent + 2);
    pong();
    expect(left).toEqual([ErrorCode.OUTBOX_OVERFLOW]);
    expect(client.room).toBeUndefined();
  });

  it('a resume without a resync asks nothing', async () => {
    const { client, room, resume, pings } = await seated();
    const sent = pings();
    await resume(false);
    expect(pings()).toBe(sent + 1); // the welcome's first clock ping only
    expect(client.room).toBe(room);
  });
});
