/**
 * Colyseus and bare-ws players for the CCU benchmark. A decoding one decodes everything it receives;
 * the others (the light load model) take the same messages in without decoding them, which changes
 * nothing for their server (neither protocol has acks).
 */
import { Client as ColyseusClient, type Room } from 'colyseus.js';
import { pack, unpack } from 'msgpackr';
import { WebSocket } from 'ws';
import { type Bot, openRoomOfBots, type RoomOfBots } from './bots-types.js';
import { botInput } from './scenario.js';

/**
 * One room's players: the first creates it, the others join by id. colyseus.js decodes every patch in
 * the first `decoding` of them; the others get a serializer that drops patches (state change events
 * still fire, so the meter counts them).
 */
export function colyseusRoomOfBots(bots: RoomOfBots): Promise<Bot[]> {
  const { url, meter, pacer } = bots;
  let roomId: string | undefined;
  return openRoomOfBots(bots, async (index, decodes) => {
    const client = new ColyseusClient(url);
    const room = roomId ? await client.joinById(roomId) : await client.create('ccu');
    roomId = room.roomId;
    if (!decodes) room.serializer = droppingSerializer(room.serializer.getState());
    room.onStateChange(() => meter.snapshots++);
    let seq = 0;
    const send = (wallMs: number) => {
      const input = botInput(index, seq++, wallMs);
      room.send('input', [input.seq, input.throttle, input.steer]);
      meter.inputs++;
    };
    const stop = pacer.add(index, send);
    return {
      direct: () => false,
      close: () => {
        stop();
        room.leave(false).catch(() => undefined);
      },
    };
  });
}

/** A colyseus.js serializer that keeps the state it joined with and drops every patch unread. */
function droppingSerializer(state: unknown): Room['serializer'] {
  const ignore = () => undefined;
  return { setState: ignore, getState: () => state, patch: ignore, teardown: ignore, handshake: ignore };
}

/** One room's sockets, connected one after another (the server seats sockets 16 a room, in order). */
export async function bareWsRoomOfBots(room: RoomOfBots): Promise<Bot[]> {
  const { url, count, firstIndex, decoding, meter, pacer } = room;
  const bots: Bot[] = [];
  for (let i = 0; i < count; i++) {
    const index = firstIndex + i;
    const socket = new WebSocket(url, { perMessageDeflate: false });
    const decodes = i < decoding;
    socket.on('message', (data: Buffer) => {
      if (decodes) unpack(data);
      meter.snapshots++;
    });
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    let seq = 0;
    const send = (wallMs: number) => {
      const input = botInput(index, seq++, wallMs);
      socket.send(pack([input.seq, input.throttle, input.steer]));
      meter.inputs++;
    };
    const stop = pacer.add(index, send);
    bots.push({
      direct: () => false,
      close: () => {
        stop();
        socket.terminate();
      },
    });
  }
  return bots;
}
