import * as v from 'valibot';
import { Channel, type RejectReason } from 'vehikill-net/client';
import { Room } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** Sends on a member's server link with a misspelt channel when asked, and keeps what that threw. */
class MisspeltLinkRoom extends Room {
  static thrown: unknown[] = [];
  override onCreate(): void {
    this.onMessage('misspelt', v.unknown(), (client) => {
      try {
        client.link.send(misspeltChannel, new Uint8Array(1));
      } catch (error) {
        MisspeltLinkRoom.thrown.push(error);
      }
    });
  }
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ test: TestRoom, misspelt: MisspeltLinkRoom });
});
afterAll(() => t.close());

/** What JavaScript, or a cast, lets through where a Channel and bytes belong. */
const misspeltChannel = 'reliable' as unknown as Channel;
const text = 'hello' as unknown as Uint8Array;

/**
 * A link sends on one of three channels, and sends bytes. On the relay path a misspelt channel went out
 * as a `dispatch` frame without its framing, which the peer's mesh reported as `malformed` (as if this
 * player were hostile), and a string as five zero bytes, delivered as a message; `send` said true for both.
 */
describe('a link send with a channel or bytes no link can carry', () => {
  it('throws a TypeError naming what is wrong, and the peer hears nothing', async () => {
    const [a, b] = [t.client(), t.client()];
    await Promise.all([a.connect(), b.connect()]);
    const roomA = await a.create('test');
    const roomB = await b.join(roomA.roomId);
    const meshA = roomA.mesh({ rtc: false });
    const meshB = roomB.mesh({ rtc: false });
    const bId = b.playerId as string;
    await eventually(() => meshA.link(bId)?.state === 'relayed', 'a relayed link');
    const heard: Uint8Array[] = [];
    const rejected: RejectReason[] = [];
    meshB.on('message', ({ bytes }) => heard.push(bytes));
    meshB.on('rejected', ({ reason }) => rejected.push(reason));

    const bytes = new Uint8Array(3);
    expect(() => meshA.send(bId, misspeltChannel, bytes)).toThrow(
      new TypeError("a link sends on 'phys', 'event' or 'dispatch' (Channel), not the string 'reliable'"),
    );
    expect(() => meshA.broadcast(misspeltChannel, bytes)).toThrow(TypeError);
    expect(() => meshA.link(bId)?.send(misspeltChannel, bytes)).toThrow(TypeError);
    expect(() => meshA.send(bId, Channel.dispatch, text)).toThrow(
      new TypeError("a link sends bytes (a Uint8Array), not the string 'hello'"),
    );
    expect(() => meshA.broadcast(Channel.phys, text)).toThrow(TypeError);
    expect(() => a.serverLink.send(misspeltChannel, bytes)).toThrow(TypeError);
    expect(() => a.serverLink.send(Channel.phys, text)).toThrow(TypeError);

    // What a link can carry still goes, after all that.
    expect(meshA.send(bId, Channel.dispatch, Uint8Array.of(7))).toBe(true);
    await eventually(() => heard.length > 0, 'the good message');
    await sleep(300);
    expect(heard).toEqual([Uint8Array.of(7)]);
    expect(rejected).toEqual([]);
    a.close();
    b.close();
  }, 20_000);

  it("throws in a room too, from a member's server link", async () => {
    const client = t.client();
    await client.connect();
    const room = await client.create('misspelt');
    room.send('misspelt', {});
    await eventually(() => MisspeltLinkRoom.thrown.length > 0, 'the room tried');
    expect(MisspeltLinkRoom.thrown[0]).toBeInstanceOf(TypeError);
    client.close();
  });
});
