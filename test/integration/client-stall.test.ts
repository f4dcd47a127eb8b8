import { afterEach, describe, expect, it } from 'vitest';
import { sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * A client whose own process stops running for a while (a page frozen in the background, a phone
 * switching apps, a bot's host under load) while the server keeps its connection. What arrived meanwhile
 * waits to be read; the client's timers fire late. Here the event loop of this process is held, which
 * stops the server too: it neither times the client out nor sends it anything meanwhile, and after the
 * stall Node runs the due timers before it reads the sockets, the order a woken page may also see.
 */

let t: TestServer;
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const proxy of proxies.splice(0)) await proxy.close();
  await t?.close();
});

/** Holds this process's event loop for `ms`: no timer, socket or promise of anyone runs meanwhile. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // held
  }
}

describe('a client stalled longer than its dead-server timeout', () => {
  it('keeps its connection when the server answers after the stall', async () => {
    // The server holds a silent connection for 30 s; the client's own dead-server check is 3 s.
    t = await startServer({ room: TestRoom }, { heartbeatMs: 1_000, heartbeatTimeoutMs: 30_000 });
    const client = t.client();
    await client.connect();
    const room = await client.create('room');
    const drops: string[] = [];
    client.on('drop', ({ reason }) => drops.push(reason));

    stall(4_000);
    await sleep(2_500);

    // The stall was the client's, not the server's: nothing to reconnect from.
    expect(drops).toEqual([]);
    expect(client.state).toBe('open');
    expect(room.members.map((member) => member.away)).toEqual([false]);
  });

  it('still finds a server that went silent during the stall, within a second or two of waking', async () => {
    t = await startServer({ room: TestRoom }, { heartbeatMs: 1_000, heartbeatTimeoutMs: 30_000 });
    const proxy = new TcpProxy(t.port);
    await proxy.listen();
    proxies.push(proxy);
    const client = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws` });
    await client.connect();
    const drops: number[] = [];
    client.on('drop', () => drops.push(Date.now()));
    // Nothing gets through any more, and the socket stays open: what a laptop waking from sleep finds.
    proxy.freezeOpen();
    stall(4_000);
    const woke = Date.now();
    await expect.poll(() => drops.length, { timeout: 5_000 }).toBe(1);
    expect((drops[0] as number) - woke).toBeLessThan(2_500);
  });
});
