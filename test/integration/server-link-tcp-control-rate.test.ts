import { Kind } from 'vehikill-net/protocol';
import { encodeDeviceReport } from 'vehikill-net/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * The server link's control frames in TCP mode (DatagramToServer on channel 3) spend the player's link
 * budget as they do on the direct link: a keepalive ping is answered with a pong, one for one, and one
 * WebSocket frame carries up to 64 of them, so without the budget a player within the socket's frame
 * rate had the server answer 64 times as many. A goodbye on that channel does not close the server's end
 * of the path: the session's end does.
 */

let t: TestServer | undefined;
const raws: RawClient[] = [];
afterEach(async () => {
  for (const raw of raws.splice(0)) raw.close();
  await t?.close();
  t = undefined;
});

/** A version 1 keepalive ping (`[1, f64 time]`), which the server's end of the link answers with a pong. */
function ping(time: number): Uint8Array {
  const bytes = new Uint8Array(9);
  bytes[0] = 1;
  new DataView(bytes.buffer).setFloat64(1, time);
  return bytes;
}

const PONG = 2;
const BYE = 3;
const RELAY_CONTROL = 3;

/** A raw client of a server whose fault budget the tests' drops cannot spend, welcomed in TCP mode. */
async function welcomedRawClient(name: string): Promise<RawClient> {
  t = await startServer({ room: TestRoom }, { serverLink: { enabled: false }, errorBudget: 1e9 });
  const raw = new RawClient(t.wsUrl, t.server.issueGuestToken(name));
  raws.push(raw);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  return raw;
}

/** The pongs the server's end of the link has answered so far. */
function pongsOf(raw: RawClient): number {
  return raw
    .received(Kind.DatagramFromServer)
    .filter((body) => body.c === RELAY_CONTROL && body.p[0] === PONG).length;
}

describe('server link control frames in TCP mode', () => {
  it('pings in batches of 64 are answered within the link rate, the rest dropped and counted', async () => {
    // A fault budget the drops cannot spend: this measures what is answered, not the cut-off.
    const raw = await welcomedRawClient('pinger');

    const started = Date.now();
    // 20 frames, well within the socket's frame rate, but 1,280 pings: past the link's burst of 480.
    for (let frame = 0; frame < 20; frame++) {
      raw.send(Kind.DatagramToServer, {
        c: RELAY_CONTROL,
        p: Array.from({ length: 64 }, (_, i) => ping(frame * 64 + i)),
      });
    }
    const pongs = () => pongsOf(raw);
    await eventually(() => pongs() > 0, 'the first pongs');
    await sleep(300); // the rest, if any more come
    const seconds = (Date.now() - started) / 1000;

    // The burst (twice messagesPerSecond, 240) and what refilled meanwhile; 1,280 before the fix.
    expect(pongs()).toBeLessThanOrEqual(480 + Math.ceil(240 * seconds) + 5);
    expect(raw.closeCode).toBeUndefined();
    const metrics = (t as TestServer).server.metrics as unknown as { total(name: string): number };
    expect(metrics.total('server_link_rejected_total')).toBeGreaterThanOrEqual(1_280 - pongs());
  });

  it('device reports on the control channel spend the same budget (a batch of 64 was read for nothing)', async () => {
    const raw = await welcomedRawClient('reporter');

    const started = Date.now();
    const report = encodeDeviceReport({ cores: 8, hidden: false });
    // 1,280 reports in 20 frames, past the link's burst of 480; then 64 pings.
    for (let frame = 0; frame < 20; frame++) {
      raw.send(Kind.DatagramToServer, { c: RELAY_CONTROL, p: Array.from({ length: 64 }, () => report) });
    }
    raw.send(Kind.DatagramToServer, {
      c: RELAY_CONTROL,
      p: Array.from({ length: 64 }, (_, i) => ping(i)),
    });
    await sleep(300);
    const seconds = (Date.now() - started) / 1000;
    const pongs = pongsOf(raw);
    // Only what refilled since the reports spent the burst; all 64 before the fix.
    expect(pongs).toBeLessThanOrEqual(Math.ceil(240 * seconds) + 5);
    expect(pongs).toBeLessThan(64);
    expect(raw.closeCode).toBeUndefined();
  });

  it('a goodbye leaves the server link open: a ping after it is still answered', async () => {
    const raw = await welcomedRawClient('leaver');
    raw.send(Kind.DatagramToServer, { c: RELAY_CONTROL, p: [Uint8Array.of(BYE), Uint8Array.of(BYE, 0)] });
    await sleep(50);
    raw.send(Kind.DatagramToServer, { c: RELAY_CONTROL, p: [ping(1)] });
    // None when the goodbye closed the server's TCP path: the session kept a dead link for good.
    await eventually(() => pongsOf(raw) === 1, 'the pong');
    expect(raw.closeCode).toBeUndefined();
  });
});
