import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind } from '../../../src/protocol/index.js';
import { settle } from './fakes/fake-peer-connection.js';
import { FakeServer } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';
/** The path's round trip (ms): a heartbeat's ping goes up in `uplink` ms and its pong down in the rest. */
const RTT = 40;
/** serverNow() is read this often (ms of the local clock). */
const READ_EVERY = 10;
/** The fastest serverNow() may run against the local clock while slewing (1 ms per 100 ms). */
const MAX_SLEW = 0.01;
const EPSILON = 1e-6;

interface Point {
  /** Local time. */
  at: number;
  serverNow: number;
  /** The server's clock then. */
  truth: number;
}

/**
 * A client on a ManualClock, connected to a fake server whose clock reads local time + `offset(local)`
 * (a test changes it as it goes), heartbeating once a second over a path of 40 ms round trip whose
 * uplink takes `uplink(n)` ms for the n-th ping. A welcome is stamped half a round trip before the
 * client reads it, as a real one is.
 */
async function connected(path: {
  offset: (local: number) => number;
  uplink: (ping: number) => number;
  /** How much longer than half the round trip the welcome takes to arrive (a busy server). */
  welcomeHeldMs?: number;
}) {
  const clock = new ManualClock();
  const server = new FakeServer();
  const serverTime = (local: number) => local + path.offset(local);
  let pings = 0;
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) {
      const stampedAt = clock.now() - RTT / 2 - (path.welcomeHeldMs ?? 0);
      server.welcome(SELF, clock, { serverTime: serverTime(stampedAt), heartbeatMs: 1_000 });
    } else if (message.kind === Kind.Ping) {
      const { id, t } = message.body;
      const up = path.uplink(pings++);
      clock.setTimeout(() => {
        const rt = serverTime(clock.now());
        clock.setTimeout(() => server.send(Kind.Pong, { id, t, rt }), RTT - up);
      }, up);
    }
  };
  const client = server.client(clock);
  await client.connect();
  /** Runs `ms` of local time, reading serverNow() every 10 ms. */
  const run = async (ms: number): Promise<Point[]> => {
    const points: Point[] = [];
    for (let elapsed = 0; elapsed < ms; elapsed += READ_EVERY) {
      clock.advance(READ_EVERY);
      await settle();
      points.push({ at: clock.now(), serverNow: client.serverNow(), truth: serverTime(clock.now()) });
    }
    return points;
  };
  return { client, server, clock, run, serverTime };
}

/** Each read's serverNow() minus the one before, in ms (the local clock moved 10 ms between them). */
const increments = (points: Point[]) =>
  points.slice(1).map((point, i) => point.serverNow - points[i]!.serverNow);
const errors = (points: Point[]) => points.map((point) => point.serverNow - point.truth);

describe('client.serverNow()', () => {
  it('never runs backwards, and stays within half the round trip, when the split of the round trip varies', async () => {
    const ups = [5, 35, 8, 33, 20, 36, 4];
    const { client, clock, run } = await connected({
      offset: () => 10_000,
      uplink: (ping) => ups[ping % ups.length]!,
    });
    const first = client.serverNow();
    expect(Math.abs(first - (clock.now() + 10_000))).toBeLessThanOrEqual(RTT / 2 + EPSILON);
    const points = await run(30_000);
    expect(Math.min(...increments(points))).toBeGreaterThanOrEqual(0);
    expect(Math.max(...errors(points).map(Math.abs))).toBeLessThanOrEqual(RTT / 2 + EPSILON);
    // clockOffsetMs is the offset serverNow() applies.
    expect(client.serverNow()).toBe(clock.now() + client.clockOffsetMs);
  });

  it('corrects a welcome held up 88 ms within half a second, never running backwards', async () => {
    const { client, clock, run } = await connected({
      offset: () => 10_000,
      uplink: () => RTT / 2,
      welcomeHeldMs: 88,
    });
    expect(client.serverNow() - (clock.now() + 10_000)).toBeCloseTo(-RTT / 2 - 88, 6);
    const points = await run(2_000);
    // The opening pings answer within 100 ms of each other; at 1 ms per 4 ms the 108 ms are gone in 432 ms.
    const corrected = points.filter((point) => point.at >= points[0]!.at + 500);
    expect(Math.max(...errors(corrected).map(Math.abs))).toBeLessThan(EPSILON);
    expect(Math.min(...increments(points))).toBeGreaterThan(0);
    // Fast, but a slew: server time ran at most 25% faster than the local clock meanwhile.
    expect(Math.max(...increments(points))).toBeLessThanOrEqual(READ_EVERY * 1.25 + EPSILON);
  });

  it('slews to a true offset that moved by 5 ms, within 1.6 s, never stepping', async () => {
    let offset = 10_000;
    const { run } = await connected({ offset: () => offset, uplink: () => RTT / 2 });
    await run(5_000); // the welcome's half round trip is slewed away
    const before = await run(1_000);
    expect(Math.max(...errors(before).map(Math.abs))).toBeLessThan(EPSILON);
    for (const change of [5, -5]) {
      offset += change;
      // The next heartbeat (within 1 s + the round trip) shows it; 5 ms at 1 ms per 100 ms takes 0.5 s.
      const after = await run(3_000);
      for (const step of increments([before.at(-1)!, ...after])) {
        expect(step).toBeGreaterThanOrEqual(READ_EVERY * (1 - MAX_SLEW) - EPSILON);
        expect(step).toBeLessThanOrEqual(READ_EVERY * (1 + MAX_SLEW) + EPSILON);
      }
      const reached = after.findIndex((_, i) =>
        after.slice(i).every((p) => Math.abs(p.serverNow - p.truth) < EPSILON),
      );
      expect(reached).toBeGreaterThanOrEqual(0);
      expect((reached + 1) * READ_EVERY).toBeLessThanOrEqual(1_600);
      before.push(...after);
    }
  });

  it('takes a 5 s change of the server clock at once, at the next heartbeat', async () => {
    let offset = 10_000;
    const { client, clock, run, serverTime } = await connected({
      offset: () => offset,
      uplink: () => RTT / 2,
    });
    await run(5_500);
    offset += 5_000;
    const after = await run(1_000);
    const stepped = increments(after).findIndex((step) => step > 4_000);
    expect(stepped).toBeGreaterThanOrEqual(0);
    for (const point of after.slice(stepped + 1))
      expect(Math.abs(point.serverNow - point.truth)).toBeLessThan(EPSILON);
    expect(client.serverNow()).toBeCloseTo(serverTime(clock.now()), 6);
  });

  it('takes a restarted server’s clock, 5 s away, at its welcome', async () => {
    let offset = 10_000;
    const { client, server, clock, run } = await connected({ offset: () => offset, uplink: () => RTT / 2 });
    await run(5_500);
    offset += 5_000;
    server.socket?.close(1012, 'restarting');
    const during = await run(2_000);
    expect(client.state).toBe('open');
    // The first reading that has the new clock: the welcome's. (It can be the very first reading: the
    // reconnect waits a random part of its first backoff step, which can be less than one reading's
    // 10 ms: the test failed so in about one run in ten.)
    const welcomed = during.findIndex((point) => point.serverNow - point.truth > -1_000);
    expect(welcomed).toBeGreaterThanOrEqual(0);
    for (const point of during.slice(welcomed)) {
      expect(Math.abs(point.serverNow - point.truth)).toBeLessThanOrEqual(RTT / 2 + EPSILON);
    }
    expect(Math.abs(client.serverNow() - (clock.now() + offset))).toBeLessThanOrEqual(RTT / 2 + EPSILON);
  });

  it('runs on across a reconnect to the same server, instead of stepping back to the welcome’s estimate', async () => {
    const { client, server, run } = await connected({ offset: () => 10_000, uplink: () => RTT / 2 });
    await run(5_500);
    server.socket?.close(1006, '');
    const points = await run(5_000);
    expect(client.state).toBe('open');
    expect(Math.min(...increments(points))).toBeGreaterThanOrEqual(READ_EVERY * (1 - MAX_SLEW) - EPSILON);
    expect(Math.max(...errors(points).map(Math.abs))).toBeLessThan(EPSILON);
  });
});
