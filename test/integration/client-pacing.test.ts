import * as v from 'valibot';
import type { Client, RoomConnection } from 'vehikill-net/client';
import { ErrorCode, type ProtocolError } from 'vehikill-net/protocol';
import { Room, type RoomClient } from 'vehikill-net/server';
import { Channel } from 'vehikill-net/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/**
 * The client keeps under the session's rate (90% of what the welcome announces). What it sends above
 * that: volatile messages are dropped, never sent late; reliable ones wait their turn and still arrive,
 * before a leave, a room switch or a close that comes after them.
 */

/** Records how late each volatile 'stamp' room message and each server-link message arrived. */
class AgeRoom extends Room {
  static last: AgeRoom | undefined;
  readonly ages: number[] = [];
  readonly linkAges: number[] = [];

  override onCreate(): void {
    AgeRoom.last = this;
    this.onMessage('stamp', v.number(), (_client, sentAt) => {
      this.ages.push(Date.now() - sentAt);
    });
  }

  override onLinkMessage(_client: RoomClient, _channel: Channel, bytes: Uint8Array): void {
    if (bytes.length !== 8) return;
    this.linkAges.push(Date.now() - new DataView(bytes.buffer, bytes.byteOffset).getFloat64(0));
  }
}

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

function errorsOf(client: Client): ProtocolError[] {
  const errors: ProtocolError[] = [];
  client.on('error', (error) => errors.push(error));
  return errors;
}

/** Ada and Bob in one test room; what Bob hears of the chat. */
async function twoInARoom() {
  t = await startServer({ test: TestRoom });
  const ada = t.client();
  const bob = t.client();
  const adaErrors = errorsOf(ada);
  await Promise.all([ada.connect(), bob.connect()]);
  const adaRoom = await ada.create('test');
  const bobRoom = await bob.join(adaRoom.roomId);
  const heard: string[] = [];
  bobRoom.onMessage('chat', (data) => heard.push((data as { text: string }).text));
  return { ada, bob, adaRoom, bobRoom, adaErrors, heard };
}

/** 300 chat lines then the final one: well past the burst the session's rate allows at once. */
function chatBurst(room: RoomConnection): void {
  for (let line = 0; line < 300; line++) room.send('chat', { text: `line ${line}` });
  room.send('chat', { text: 'GG, final score 10-3' });
}

/**
 * Sends stamped messages for 1.5 s at 400 a second (over the 108 a second the client keeps to), each in a
 * turn of its own, then checks that what arrived (`ages`, ms late) left when it was sent and that the
 * rest was dropped and counted. Queued, the last of them arrived seconds late. Paced by the clock, not by
 * sleeps: a loaded machine stretches each sleep, and sent that way the messages could fall under the rate.
 */
async function sendAboveTheRate(
  client: Client,
  send: (sentAt: number) => void,
  ages: () => number[],
): Promise<void> {
  const perSecond = 400;
  const startedAt = performance.now();
  let sent = 0;
  for (let elapsed = 0; elapsed < 1_500; elapsed = performance.now() - startedAt) {
    // Those due by now, each in a turn of its own: the server link's TCP mode batches one turn's sends.
    for (const due = Math.ceil((elapsed / 1_000) * perSecond); sent < due; sent++) {
      send(Date.now());
      await Promise.resolve();
    }
    await sleep(10);
  }
  await sleep(1_500);
  expect(ages().length).toBeGreaterThan(100);
  expect(ages().length).toBeLessThan(sent);
  expect(Math.max(...ages())).toBeLessThan(600); // a stalled test machine aside, none waited
  // Its server link's keepalive beats may be among those dropped.
  expect(client.stats().sends.volatileDropped).toBeGreaterThanOrEqual(sent - ages().length);
}

describe('volatile messages above the session rate', () => {
  it('room messages: dropped and counted, never sent late', async () => {
    t = await startServer({ age: AgeRoom });
    const client = t.client();
    await client.connect();
    const room = await client.create('age');
    await sendAboveTheRate(
      client,
      (sentAt) => room.send('stamp', sentAt, { class: 'volatile' }),
      () => AgeRoom.last?.ages ?? [],
    );
  });

  it('server-link messages in TCP mode (inputs): dropped and counted, never sent late', async () => {
    t = await startServer({ age: AgeRoom });
    const client = t.client({ serverLink: 'off' });
    await client.connect();
    await client.create('age');
    await sendAboveTheRate(
      client,
      (sentAt) => {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setFloat64(0, sentAt);
        client.serverLink.send(Channel.phys, bytes);
      },
      () => AgeRoom.last?.linkAges ?? [],
    );
  });
});

describe('relayed peer data above the session rate', () => {
  /*
   * A car game whose peers have no direct path: 60 phys samples a second to each of six peers through
   * the server (360 a second) and an input 60 times a second, over the 97 a second the client keeps to.
   * The samples must take what is left, never the token the next input needs: an input that cannot go
   * at once is dropped (it would be late), and a game that loses most of its inputs plays behind its
   * clock. The relay links' keepalives must get through too, or the paths look dead.
   */
  it('leaves inputs and keepalives their share: none dropped, samples thinned to the newest', async () => {
    t = await startServer({ age: AgeRoom });
    const ada = t.client({ serverLink: 'off' });
    const peers = Array.from({ length: 6 }, () => t.client({ serverLink: 'off' }));
    await Promise.all([ada, ...peers].map((client) => client.connect()));
    const room = await ada.create('age');
    const peerRooms = await Promise.all(peers.map((peer) => peer.join(room.roomId)));
    const samplesHeard = peerRooms.map(() => 0);
    const links = peerRooms.map((peerRoom) => room.relayLink(peerRoom.selfId));
    peerRooms.forEach((peerRoom, index) => {
      peerRoom.relayLink(room.selfId).onMessage((channel) => {
        if (channel === Channel.phys) samplesHeard[index] = (samplesHeard[index] ?? 0) + 1;
      });
    });
    const sample = new Uint8Array(24);
    // 3 s of the game's frames. A frame sends one input (the newest), and the samples due by the clock (60
    // a second to each peer): a loaded machine stretches the frames, and samples sent one a frame could
    // then fall under the rate, where nothing needs thinning.
    const startedAt = performance.now();
    let inputsSent = 0;
    let sampleTicks = 0;
    for (let elapsed = 0; elapsed < 3_000; elapsed = performance.now() - startedAt) {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, Date.now());
      ada.serverLink.send(Channel.phys, bytes);
      inputsSent++;
      for (const due = Math.ceil((elapsed / 1_000) * 60); sampleTicks < due; sampleTicks++) {
        for (const link of links) link.send(Channel.phys, sample);
      }
      await sleep(1000 / 60);
    }
    // None was dropped as it was sent, so each reaches the room: waited for, not slept on.
    expect(ada.stats().sends.volatileDropped).toBe(0);
    await eventually(() => (AgeRoom.last?.linkAges.length ?? 0) >= inputsSent, 'every input at the server');
    const ages = AgeRoom.last?.linkAges ?? [];
    expect(ages.length).toBe(inputsSent);
    expect(Math.max(...ages)).toBeLessThan(600); // a stalled test machine aside, none waited
    // The samples were thinned to what the rate leaves, newest first, and every peer still had some.
    expect(ada.stats().sends.superseded).toBeGreaterThan(0);
    for (const heard of samplesHeard) expect(heard).toBeGreaterThan(5);
    // Each relay path's keepalive came back: its round trip is measured.
    for (const link of links) expect(link.stats().rttMs).toBeGreaterThan(0);
  });
});

describe('reliable messages held back by the rate', () => {
  it('leave() goes after them: all arrive in the room, the final one too, and no NOT_IN_ROOM', async () => {
    const { adaRoom, adaErrors, heard } = await twoInARoom();
    chatBurst(adaRoom);
    await adaRoom.leave();
    // The server answered the leave after it had handed the room every line.
    await eventually(() => heard.length === 301, 'Bob hears all 301 lines');
    expect(heard.at(-1)).toBe('GG, final score 10-3');
    expect(adaErrors.map((error) => error.code)).not.toContain(ErrorCode.NOT_IN_ROOM);
  });

  it('a room switch (joining another room) goes after them too', async () => {
    const { ada, adaRoom, adaErrors, heard } = await twoInARoom();
    chatBurst(adaRoom);
    const next = await ada.create('test');
    expect(next.roomId).not.toBe(adaRoom.roomId);
    await eventually(() => heard.length === 301, 'Bob hears all 301 lines');
    expect(heard.at(-1)).toBe('GG, final score 10-3');
    expect(adaErrors.map((error) => error.code)).not.toContain(ErrorCode.NOT_IN_ROOM);
  });

  it('close() writes them before closing, and resolves with 0 unsent', async () => {
    const { ada, adaRoom, adaErrors, heard } = await twoInARoom();
    chatBurst(adaRoom);
    expect(await ada.close()).toBe(0);
    expect(ada.state).toBe('closed');
    await eventually(() => heard.length === 301, 'Bob hears all 301 lines');
    expect(heard.at(-1)).toBe('GG, final score 10-3');
    expect(adaErrors).toEqual([]);
  });

  it('close() past its flushMs says how many it could not send, in its result and an error', async () => {
    const { ada, adaRoom, adaErrors } = await twoInARoom();
    chatBurst(adaRoom);
    const unsent = await ada.close({ flushMs: 0 });
    expect(unsent).toBeGreaterThan(0);
    expect(unsent).toBeLessThan(301);
    expect(adaErrors.map((error) => error.code)).toEqual([ErrorCode.NOT_CONNECTED]);
    expect(adaErrors[0]?.message).toContain(`${unsent} reliable messages not sent`);
  });
});
