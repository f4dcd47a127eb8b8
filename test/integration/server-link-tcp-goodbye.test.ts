import { Kind } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * A goodbye (`[3]`) a client sends on its TCP-mode control channel must not close the server's TCP path
 * of the session: it closed it, and the session kept a dead link for the rest of its life (no keepalive,
 * nothing sent or taken on that path), which `enableDirect` never restarted. The session's end closes it.
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

describe('a goodbye on the TCP-mode control channel', () => {
  it('leaves the server link open: a ping after it is still answered', async () => {
    t = await startServer({ room: TestRoom }, { serverLink: { enabled: false } });
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('leaver'));
    raws.push(raw);
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');

    raw.send(Kind.DatagramToServer, { c: RELAY_CONTROL, p: [Uint8Array.of(BYE), Uint8Array.of(BYE, 0)] });
    await sleep(50);
    raw.send(Kind.DatagramToServer, { c: RELAY_CONTROL, p: [ping(1)] });
    const pongs = () =>
      raw.received(Kind.DatagramFromServer).filter((body) => body.c === RELAY_CONTROL && body.p[0] === PONG)
        .length;
    // None before the fix: the goodbye had closed the server's TCP path.
    await eventually(() => pongs() === 1, 'the pong');
    expect(raw.closeCode).toBeUndefined();
  });
});
