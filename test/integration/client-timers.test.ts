import { Channel, type Client } from 'vehikill-net/client';
import { ManualClock, Room, type RoomClient } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/** Echoes `dispatch` on the server link, so both ends' dispatch streams have traffic (and ack timers). */
class EchoRoom extends Room {
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    client.link.send(channel, bytes);
  }
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ echo: EchoRoom });
});
afterAll(() => t.close());

/**
 * A closed Client must leave no timer behind: a timer holds the client (and what it references) for as
 * long as it keeps firing, and a periodic one fires for ever. Every timer of the library goes through
 * the Clock, so a ManualClock counts them.
 */
describe('a closed Client leaves no timer running', () => {
  it('when it never connected', () => {
    const clock = new ManualClock();
    const client: Client = t.client({ clock, url: 'ws://127.0.0.1:9/ws' });
    client.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('after a session with a room and server-link traffic (TCP mode)', async () => {
    const clock = new ManualClock();
    const client = t.client({ clock });
    await client.connect();
    await client.create('echo');
    const echoed: Uint8Array[] = [];
    client.serverLink.onMessage((channel, bytes) => {
      if (channel === Channel.dispatch) echoed.push(bytes);
    });
    client.serverLink.send(Channel.dispatch, Uint8Array.of(1));
    await eventually(() => echoed.length === 1, 'the echo');
    expect(clock.pendingTimers).toBeGreaterThan(0); // heartbeats, acks: the session is live
    client.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('after a dispatch message sent on the server link once closed (kept for the next connect)', () => {
    const clock = new ManualClock();
    const client = t.client({ clock, url: 'ws://127.0.0.1:9/ws' });
    client.close();
    expect(client.serverLink.send(Channel.dispatch, Uint8Array.of(1))).toBe(true);
    clock.advance(10_000);
    expect(clock.pendingTimers).toBe(0);
  });
});
