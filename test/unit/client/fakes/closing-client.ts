import { ManualClock } from '../../../../src/common/index.js';
import { type Body, Kind, type Message } from '../../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fake-server.js';

/**
 * A client seated in a room of a server whose rate (10 frames at once, then 1 a second) holds back most
 * of 30 messages sent at once: `close()` then has something to write first, for up to its `flushMs`
 * (3,000 ms here). Each hello is welcomed as a new player, `aaaaaaaa01`, `aaaaaaaa02`, ...
 */
export async function closingWithMessagesHeldBack() {
  const clock = new ManualClock();
  const server = new FakeServer();
  let welcomes = 0;
  server.onMessage = (message: Message) => {
    if (message.kind === Kind.Hello) {
      server.welcome(`aaaaaaaa0${++welcomes}`, clock, { rate: { burst: 10, perSecond: 1 } });
    } else if (message.kind === Kind.JoinRoom) {
      const result = joinedRoom(message.body.roomId, [`aaaaaaaa0${welcomes}`], { membership: 1 });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    }
  };
  const client = server.client(clock);
  await client.connect();
  const room = await client.join('room-1');
  for (let i = 0; i < 30; i++) room.send('chat', i);
  const closing = client.close({ flushMs: 3_000 });
  return { client, clock, closing, server, room };
}
