import { Kind } from 'vehikill-net/protocol';
import { RawClient } from './raw-client.js';
import { eventually, type TestServer } from './server.js';

/**
 * A session begun by a bare client on `t` (`first`, its socket), and `resumeOn(attempt)`: a new bare
 * connection of the same guest sending a resume hello of that session numbered `attempt`. `guest`,
 * `playerId` and `resumeToken`: what another connection of that guest needs to resume it its own way.
 */
export async function rawSession(t: TestServer) {
  const token = t.server.issueGuestToken('ada');
  const first = new RawClient(t.wsUrl, token);
  await first.opened;
  first.hello();
  await eventually(() => first.received(Kind.Welcome).length === 1, 'welcome');
  const { playerId, resumeToken } = first.received(Kind.Welcome)[0]!;
  const resumeOn = async (attempt: number) => {
    const raw = new RawClient(t.wsUrl, token);
    await raw.opened;
    raw.hello({ playerId, token: resumeToken, ack: 0, attempt });
    return raw;
  };
  return { first, resumeOn, guest: token, playerId, resumeToken };
}
