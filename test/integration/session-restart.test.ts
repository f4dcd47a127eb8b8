import { ErrorCode, Kind } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const guestSecret = 'a-secret-shared-by-the-old-and-the-new-process!';

const servers: TestServer[] = [];
const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** A process of node `nodeId`: what a supervisor starts again with the same NODE_ID and GUEST_SECRET. */
async function processOf(nodeId: string, graceMs = 30_000): Promise<TestServer> {
  const server = await startServer({ test: TestRoom }, { nodeId, guestSecret, graceMs });
  servers.push(server);
  return server;
}

function raw(server: TestServer, token: string): RawClient {
  const client = new RawClient(server.wsUrl, token);
  raws.push(client);
  return client;
}

/** A fresh session on `server`: the guest token it connected with, and what its welcome said. */
async function sessionOn(server: TestServer) {
  const token = server.server.issueGuestToken('ada');
  const client = raw(server, token);
  await client.opened;
  client.hello();
  await eventually(() => client.received(Kind.Welcome).length === 1, 'welcome');
  const { playerId, resumeToken } = client.received(Kind.Welcome)[0] as {
    playerId: string;
    resumeToken: string;
  };
  return { token, playerId, resumeToken, client };
}

/** Resumes on `server` a session made elsewhere; the one error frame it is answered with. */
async function resumeOn(server: TestServer, session: Awaited<ReturnType<typeof sessionOn>>) {
  const client = raw(server, session.token);
  await client.opened;
  client.hello({ playerId: session.playerId, token: session.resumeToken, ack: 0 });
  await client.closed;
  return client.received(Kind.Error);
}

describe('a resume that reaches a process without the session', () => {
  it('after a restart of the node (same id and secret), says the server restarted, not that grace ran out', async () => {
    const before = await processOf('node-a');
    const session = await sessionOn(before);
    await before.close(); // the supervisor's kill: the session dies with the process
    const after = await processOf('node-a');
    const errors = await resumeOn(after, session);
    expect(errors).toEqual([
      {
        code: ErrorCode.SESSION_EXPIRED,
        message: 'this server restarted since the session began: join again',
        reason: 'restarted',
      },
    ]);
  });

  it('from another node, says so (it cannot tell which), still SESSION_EXPIRED', async () => {
    const elsewhere = await processOf('node-b');
    const session = await sessionOn(elsewhere);
    const here = await processOf('node-a');
    const errors = await resumeOn(here, session);
    expect(errors).toEqual([
      {
        code: ErrorCode.SESSION_EXPIRED,
        message:
          'this server never had that session (it began on another server, or before a restart): join again',
        reason: 'unknown',
      },
    ]);
  });

  it('in the same process after the grace period, still says the grace period is over', async () => {
    const server = await processOf('node-a', 100);
    const session = await sessionOn(server);
    session.client.close();
    await eventually(() => server.server.sessionCount === 0, 'the grace period runs out');
    await sleep(10);
    const errors = await resumeOn(server, session);
    expect(errors).toEqual([
      {
        code: ErrorCode.SESSION_EXPIRED,
        message: 'the session ended (grace period over): join again',
        reason: 'expired',
      },
    ]);
  });
});
