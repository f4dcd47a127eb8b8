import * as v from 'valibot';
import { Kind, OUR_FEATURES, PROTOCOL_VERSION } from 'vehikill-net/protocol';
import {
  type AlertEvent,
  MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE,
  ManualClock,
  MIN_REQUEST_DEADLINE_MS,
  OVERDUE_WRITE_OFF_MS,
  Room,
} from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

/**
 * Room request handlers still running a minute past their deadlines are written off as hung: a fault of
 * the app's, counted once each, by the source of the request, so that an app whose handler waits on one
 * client cannot let that client raise the error-spike alert alone.
 */

class StuckRoom extends Room {
  static last: StuckRoom | undefined;
  /** Makes the 'stuck' handlers' promises reject, oldest first. */
  readonly failures: Array<() => void> = [];

  override onCreate(): void {
    StuckRoom.last = this;
    this.onMessage(
      'stuck',
      v.unknown(),
      () =>
        new Promise((_resolve, reject) => {
          this.failures.push(() => reject(new Error('gave up at last')));
        }),
    );
  }
}

let t: TestServer | undefined;
let clock: ManualClock;
let alerts: AlertEvent[];
afterEach(async () => {
  await t?.close();
  t = undefined;
  StuckRoom.last = undefined;
  vi.restoreAllMocks();
});

/** A server behind one trusted proxy (X-Forwarded-For names each client), sampled by a manual clock. */
async function serve(): Promise<TestServer> {
  clock = new ManualClock(1_700_000_000_000);
  alerts = [];
  vi.spyOn(console, 'warn').mockImplementation(() => {});
  vi.spyOn(console, 'error').mockImplementation(() => {});
  // Heartbeats far apart: the clock jumps a minute, and the raw clients answer no pings.
  t = await startServer(
    { stuck: StuckRoom },
    { clock, heartbeatMs: 120_000, trustProxy: 1, alerts: { onAlert: (event) => alerts.push(event) } },
  );
  return t;
}

/** A raw client of this version at `address` (as the proxy names it), in a room of its own. */
async function creatorAt(server: TestServer, address: string): Promise<RawClient> {
  const raw = new RawClient(server.wsUrl, server.server.issueGuestToken(), { 'x-forwarded-for': address });
  await raw.opened;
  raw.send(Kind.Hello, { v: PROTOCOL_VERSION, features: [...OUR_FEATURES] });
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  raw.send(Kind.CreateRoom, { rid: 1, type: 'stuck' });
  await eventually(() => raw.received(Kind.Response).length === 1, 'the room created');
  return raw;
}

/** Sends `count` 'stuck' requests that wait 1 ms (held to the server's floor), and waits out their deadlines. */
async function overdueRequests(raw: RawClient, count: number): Promise<void> {
  for (let q = 0; q < count; q++) raw.send(Kind.ClientRoomMessage, { t: 'stuck', q, w: 1 });
  await eventually(() => (StuckRoom.last?.failures.length ?? 0) >= count, 'all running');
  clock.advance(MIN_REQUEST_DEADLINE_MS);
  await eventually(() => raw.received(Kind.RoomReply).length === count, 'their deadlines');
}

const totalOf = (server: TestServer, name: string) =>
  (server.server.metrics as unknown as { total(name: string): number }).total(name);

/** The sum and the highest of the newest `seconds` points of `series`. */
function seen(server: TestServer, series: 'errors_per_s' | 'error_sources_per_s', seconds: number) {
  const points = server.server.monitoring.history.last(series, seconds);
  return { sum: points.reduce((a, b) => a + b, 0), highest: Math.max(...points) };
}

describe('room request handlers written off as hung', () => {
  it("count once per source in error_sources_per_s: one client's hung handlers raise no alert", async () => {
    const server = await serve();
    const raw = await creatorAt(server, '203.0.113.7');
    const hung = MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE;
    await overdueRequests(raw, hung);
    clock.advance(OVERDUE_WRITE_OFF_MS + 5_000);
    expect(totalOf(server, 'room_request_handlers_hung_total')).toBe(hung);
    const window = OVERDUE_WRITE_OFF_MS / 1_000 + 6;
    // Every one in the true count; one source in what the alert watches.
    expect(seen(server, 'errors_per_s', window).sum).toBe(hung);
    expect(seen(server, 'error_sources_per_s', window)).toEqual({ sum: 1, highest: 1 });
    expect(alerts.filter((event) => event.alert.rule === 'error-spike')).toEqual([]);
  });

  it('count a source for each client whose handlers hang', async () => {
    const server = await serve();
    const addresses = ['203.0.113.1', '203.0.113.2', '203.0.113.3'];
    for (const address of addresses) {
      const raw = await creatorAt(server, address);
      for (let q = 0; q < 2; q++) raw.send(Kind.ClientRoomMessage, { t: 'stuck', q, w: 1 });
      await eventually(() => StuckRoom.last?.failures.length === 2, 'running');
    }
    clock.advance(MIN_REQUEST_DEADLINE_MS + OVERDUE_WRITE_OFF_MS + 2_000);
    expect(totalOf(server, 'room_request_handlers_hung_total')).toBe(6);
    expect(seen(server, 'error_sources_per_s', OVERDUE_WRITE_OFF_MS / 1_000 + 4).highest).toBe(3);
  });

  it('are counted as hung only, not again as hook errors when they throw at last', async () => {
    const server = await serve();
    const raw = await creatorAt(server, '203.0.113.7');
    const room = StuckRoom.last as StuckRoom;
    await overdueRequests(raw, 2);
    // The first fails while overdue, not yet written off: a hook error, as any handler's throw.
    room.failures[0]?.();
    await eventually(() => totalOf(server, 'room_hook_errors_total') === 1, 'the overdue one counted');
    clock.advance(OVERDUE_WRITE_OFF_MS);
    expect(totalOf(server, 'room_request_handlers_hung_total')).toBe(1);
    // The second was written off as hung: its throw now is not counted a second time.
    room.failures[1]?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(totalOf(server, 'room_hook_errors_total')).toBe(1);
    expect(totalOf(server, 'room_request_handlers_hung_total')).toBe(1);
  });
});
