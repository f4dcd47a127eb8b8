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
  const raw = await welcomedRaw(t, token);
  raw.send(Kind.JoinRoom, { rid: 1, roomId });
  await eventually(() => raw.received(Kind.Response).length === 1, 'joined');
  return raw;
}

/** As `rawMember`, but the member created the room it sits in, one of `type`: the room's first member. */
export async function rawCreator(
  t: TestServer,
  type: string,
  token = t.server.issueGuestToken('mallory'),
): Promise<RawClient> {
  const raw = await welcomedRaw(t, token);
  raw.send(Kind.CreateRoom, { rid: 1, type });
  await eventually(() => raw.received(Kind.Response).length === 1, 'the room created');
  return raw;
}

/** A raw client of `t`'s server with a fresh session, welcomed. */
async function welcomedRaw(t: TestServer, token: string): Promise<RawClient> {
  const raw = new RawClient(t.wsUrl, token);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  return raw;
}
