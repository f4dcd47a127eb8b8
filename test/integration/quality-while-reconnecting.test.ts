import type { QualityGrade } from 'vehikill-net/client';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TcpProxy } from '../support/tcp-proxy.js';

/*
 * A server that dies within a second of the session starting has sent nothing the client's quality
 * monitor could judge by: no silence can be measured against gaps never seen. `client.quality` read
 * `good` through the whole reconnect, and a game's connection indicator showed full bars over a
 * "reconnecting" banner. The client knows its socket is gone: quality reads poor (and silent) from that
 * moment until the server is heard again.
 */

let t: TestServer | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await t?.close();
});

describe('client.quality while the client reconnects', () => {
  it('never reads good from the moment the server is gone, even right after the session began', async () => {
    t = await startServer({});
    proxy = new TcpProxy(t.port);
    await proxy.listen();
    const client = t.client({ url: `ws://127.0.0.1:${proxy.port}/ws`, device: false });
    // What the app reads as the client tells it that it is reconnecting, and whenever the grade changes.
    const seen: Array<{ state: string; grade: QualityGrade; snapshot: QualityGrade; silent: boolean }> = [];
    const read = () => {
      const snapshot = client.quality.snapshot();
      seen.push({
        state: client.state,
        grade: client.quality.grade,
        snapshot: snapshot.grade,
        silent: snapshot.silent,
      });
    };
    client.on('state', read);
    client.quality.on('change', read);
    await client.connect();
    // The server dies at once: nothing of it was heard but the welcome.
    proxy.block();
    await eventually(() => client.state === 'reconnecting', 'the client reconnects');
    // Read through the reconnect attempts (refused connections, backing off) for a second and a half.
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      read();
      await sleep(20);
    }
    expect(client.state).toBe('reconnecting');
    const whileAway = seen.filter((entry) => entry.state === 'reconnecting');
    expect(whileAway.length).toBeGreaterThan(10);
    for (const entry of whileAway) {
      expect(entry).toEqual({ state: 'reconnecting', grade: 'poor', snapshot: 'poor', silent: true });
    }

    // Back: the outage is not stuck; it ends as any silence does, once the server is heard again (the
    // grade then climbs back after its usual hold, as the path's figures allow: the unit tests time it).
    proxy.unblock();
    await eventually(() => client.state === 'open', 'the session resumed', 10_000);
    await eventually(() => !client.quality.snapshot().silent, 'the server heard again', 10_000);
  }, 30_000);
});
