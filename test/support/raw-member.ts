import { Kind } from 'vehikill-net/protocol';
import { RawClient } from './raw-client.js';
import { eventually, type TestServer } from './server.js';

/**
 * A room member who sends exactly what it likes, at the connection's full rate (no client-side pacing):
 * a guest session of `t`'s server that said hello and joined `roomId`. `token`: whose session (to resume
 * it later on another RawClient); a new guest's by default.
 */
export async function rawMember(
  t: TestServer,
  roomId: string,
  token = t.server.issueGuestToken('flooder'),
): Promise<RawClient> {
  const raw = new RawClient(t.wsUrl, token);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  raw.send(Kind.JoinRoom, { rid: 1, roomId });
  await eventually(() => raw.received(Kind.Response).length === 1, 'joined');
  return raw;
}
