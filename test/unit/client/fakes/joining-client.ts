import { ManualClock } from '../../../../src/common/index.js';
import { Kind } from '../../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fake-server.js';

/**
 * A client (player `self`) on a server the test plays, which answers joins only when the test says: for
 * what arrives around a join's answer. `join(roomId, membership)` joins a room where `peer` is too; the
 * answer names `membership` unless it is undefined, and is sent at once unless `answer` is false (then
 * `respond()` sends it).
 */
export async function joiningClient(self: string, peer: string) {
  const clock = new ManualClock();
  const server = new FakeServer();
  const joins: number[] = [];
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) server.welcome(self, clock);
    else if (message.kind === Kind.JoinRoom) joins.push(message.body.rid);
  };
  const client = server.client(clock);
  await client.connect();
  const join = (roomId: string, membership: number | undefined, answer = true) => {
    const joined = client.join(roomId);
    const rid = joins.at(-1) ?? 0;
    const result = joinedRoom(roomId, [self, peer], membership === undefined ? {} : { membership });
    const respond = () => server.send(Kind.Response, { rid, ok: true, result });
    if (answer) respond();
    return { joined, respond };
  };
  return { client, server, clock, join };
}
