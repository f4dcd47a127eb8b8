import { Client } from 'vehikill-net/client';
import { GameServer, type GameServerOptions } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { eventually } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * What a client's `session-expired` says when its resume is refused, through the public API: why the
 * session is gone in a word (`reason`), after a restart of its server and after its grace period.
 */

const guestSecret = 'a-secret-shared-by-the-old-and-the-new-process!';
const servers: GameServer[] = [];
const clients: Client[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
  for (const server of servers.splice(0)) await server.close({ drainMs: 0 });
});

/** A server process on `port` (0: a free one) and that port. */
async function serverOn(port: number, options: GameServerOptions = {}) {
  const server = new GameServer({ heartbeatMs: 1_000, guestSecret, ...options });
  server.define('test', TestRoom);
  servers.push(server);
  return { server, port: (await server.listen(port)).port };
}

/** A client behind a proxy to `port`, to take its network away while its server restarts. */
async function clientBehindProxy(port: number) {
  const proxy = new TcpProxy(port);
  await proxy.listen();
  proxies.push(proxy);
  const client = new Client({
    url: `ws://127.0.0.1:${proxy.port}/ws`,
    WebSocket,
    backoff: { baseMs: 20, maxMs: 200 },
  });
  clients.push(client);
  const expired: { message: string; reason?: string }[] = [];
  client.on('session-expired', (event) => expired.push(event));
  await client.connect();
  return { proxy, client, expired };
}

describe("a refused resume's reason, as the client reports it", () => {
  it('after its server restarted with no fixed node id (a new process on the same port): unknown', async () => {
    const before = await serverOn(0);
    const { proxy, client, expired } = await clientBehindProxy(before.port);
    const oldId = client.playerId;
    proxy.block();
    await before.server.close({ drainMs: 0 });
    servers.splice(servers.indexOf(before.server), 1);
    // The supervisor's new process, on the same port: it never had the session, and cannot tell whether
    // the token is from another node or from the process before it (its node id was random).
    await serverOn(before.port);
    proxy.unblock();
    await eventually(() => client.state === 'open' && client.playerId !== oldId, 'a fresh session');
    expect(expired).toEqual([
      { message: expect.stringMatching(/never had that session/), reason: 'unknown' },
    ]);
  });

  it('after its server restarted under the same node id: restarted', async () => {
    const before = await serverOn(0, { nodeId: 'node-a' });
    const { proxy, client, expired } = await clientBehindProxy(before.port);
    const oldId = client.playerId;
    proxy.block();
    await before.server.close({ drainMs: 0 });
    servers.splice(servers.indexOf(before.server), 1);
    await serverOn(before.port, { nodeId: 'node-a' });
    proxy.unblock();
    await eventually(() => client.state === 'open' && client.playerId !== oldId, 'a fresh session');
    expect(expired).toEqual([{ message: expect.stringMatching(/restarted/), reason: 'restarted' }]);
  });

  it('back after the grace period: expired', async () => {
    const { server, port } = await serverOn(0, { graceMs: 100 });
    const { proxy, client, expired } = await clientBehindProxy(port);
    const oldId = client.playerId;
    proxy.block();
    await eventually(() => server.sessionCount === 0, 'the grace period runs out');
    proxy.unblock();
    await eventually(() => client.state === 'open' && client.playerId !== oldId, 'a fresh session');
    expect(expired).toEqual([{ message: expect.stringMatching(/grace period over/), reason: 'expired' }]);
  });
});
