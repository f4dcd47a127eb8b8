import { Kind } from 'vehikill-net/protocol';
import { type AlertEvent, type GameServerOptions, ManualClock, MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

// The built-in error-spike alert (more than 5 a second for 3 s) against a live server whose seconds are
// sampled by a manual clock: each `clock.advance(1_000)` records a point and evaluates the alerts.

let t: TestServer | undefined;
let clock: ManualClock;
let events: AlertEvent[];
afterEach(async () => {
  await t?.close();
  t = undefined;
  vi.restoreAllMocks();
});

/** A server behind one trusted proxy (X-Forwarded-For names each client), with the built-in alerts. */
async function serve(options: GameServerOptions = {}): Promise<TestServer> {
  clock = new ManualClock(1_700_000_000_000);
  events = [];
  // Each alert is also logged; the tests read them from onAlert.
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  t = await startServer({}, { clock, trustProxy: 1, alerts: { onAlert: (e) => events.push(e) }, ...options });
  return t;
}

/** A raw client with a session, at `address` as the proxy names it. */
async function clientAt(server: TestServer, address: string): Promise<RawClient> {
  const raw = new RawClient(server.wsUrl, server.server.issueGuestToken(), { 'x-forwarded-for': address });
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  return raw;
}

/** Sends `count` text frames (not part of the protocol: each refused with a notice) and waits for the notices. */
async function sendGarbage(raw: RawClient, count: number): Promise<void> {
  const before = raw.received(Kind.Error).length;
  for (let i = 0; i < count; i++) raw.sendBytes('not binary');
  await eventually(() => raw.received(Kind.Error).length >= before + count, 'the refusals');
}

const errorSpikes = () => events.filter((event) => event.alert.rule === 'error-spike');

describe('the error-spike alert', () => {
  it('stays quiet while one client floods malformed frames for seconds, cut off and coming back, though errors_per_s shows it all', async () => {
    const server = await serve();
    for (let second = 0; second < 5; second++) {
      // Past its fault budget (20) the server cuts it off; it comes back with a new session, as a flooder does.
      const raw = await clientAt(server, '203.0.113.7');
      for (let i = 0; i < 30; i++) raw.sendBytes('not binary');
      await raw.closed;
      clock.advance(1_000);
    }
    expect(errorSpikes()).toEqual([]);
    expect(server.server.monitoring.alerts.active).toEqual([]);
    const history = server.server.monitoring.history;
    for (const value of history.last('errors_per_s', 5)) expect(value).toBeGreaterThanOrEqual(20);
    expect(history.last('error_sources_per_s', 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it('fires when malformed frames come from more addresses a second than the threshold', async () => {
    const server = await serve();
    const clients = await Promise.all(
      Array.from({ length: 8 }, (_, i) => clientAt(server, `203.0.113.${i + 1}`)),
    );
    for (let second = 0; second < 3; second++) {
      expect(errorSpikes()).toEqual([]);
      await Promise.all(clients.map((raw) => sendGarbage(raw, 2)));
      clock.advance(1_000);
    }
    expect(errorSpikes().map((event) => [event.type, event.alert.series, event.alert.value])).toEqual([
      ['fired', 'error_sources_per_s', 8],
    ]);
    expect(server.server.monitoring.history.last('errors_per_s', 3)).toEqual([16, 16, 16]);
    // The same addresses for /metrics, each once per second it erred.
    const metrics = server.server.metrics as unknown as { total(name: string): number };
    expect(metrics.total('client_error_sources_total')).toBe(24);
  });

  it('counts the addresses of one IPv6 /64 as one source, as every per-address bound does', async () => {
    const server = await serve();
    const clients = await Promise.all(
      Array.from({ length: 8 }, (_, i) => clientAt(server, `2001:db8:5:6:${i + 1}::1`)),
    );
    for (let second = 0; second < 4; second++) {
      await Promise.all(clients.map((raw) => sendGarbage(raw, 2)));
      clock.advance(1_000);
    }
    expect(errorSpikes()).toEqual([]);
    expect(server.server.monitoring.history.last('error_sources_per_s', 4)).toEqual([1, 1, 1, 1]);
  });

  it("still fires on the server's own errors, counted in full, even when one client sets them off", async () => {
    /** A registry that fails in a way the server does not expect: every listing is an internal error. */
    class BrokenRegistry extends MemoryRegistry {
      override async listRooms(): ReturnType<MemoryRegistry['listRooms']> {
        throw new Error('a bug in the registry');
      }
    }
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const server = await serve({ registry: new BrokenRegistry() });
    const raw = await clientAt(server, '203.0.113.9');
    let rid = 0;
    for (let second = 0; second < 3; second++) {
      expect(errorSpikes()).toEqual([]);
      for (let i = 0; i < 10; i++) raw.send(Kind.ListRooms, { rid: ++rid });
      await eventually(() => raw.received(Kind.Response).length === rid, 'the failed listings');
      clock.advance(1_000);
    }
    expect(raw.received(Kind.Response).every((response) => !response.ok)).toBe(true);
    expect(errorSpikes().map((event) => [event.type, event.alert.value])).toEqual([['fired', 10]]);
    expect(server.server.monitoring.history.last('errors_per_s', 3)).toEqual([10, 10, 10]);
  });
});
