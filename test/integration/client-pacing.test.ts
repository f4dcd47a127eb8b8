import * as v from 'valibot';
import type { Client, RoomConnection } from 'vehikill-net/client';
import { ErrorCode, type ProtocolError } from 'vehikill-net/protocol';
import { Room, type RoomClient } from 'vehikill-net/server';
import { Channel } from 'vehikill-net/transport';
import { afterEach, describe, expect, it } from 'vitest';
import { ignored } from '../support/ignored.js';
import { LoopStalls } from '../support/loop-stalls.js';
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
  adaRoom.onMessage('chat', ignored); // her own lines, back from the room
  return { ada, bob, adaRoom, bobRoom, adaErrors, heard };
}

/** Bob hears all 301 lines: they take about 1 s at the session's rate, which a loaded machine stretches. */
async function bobHearsTheBurst(heard: string[]): Promise<void> {
  await eventually(() => heard.length === 301, 'Bob hears all 301 lines', 20_000);
  expect(heard.at(-1)).toBe('GG, final score 10-3');
}

/** 300 chat lines then the final one: well past the burst the session's rate allows at once. */
function chatBurst(room: RoomConnection): void {
  for (let line = 0; line < 300; line++) room.send('chat', { text: `line ${line}` });
  room.send('chat', { text: 'GG, final score 10-3' });
}

/**
 * Sends 600 stamped messages at 400 a second (over the 108 a second the client keeps to), each in a turn
 * of its own, then checks that what arrived (`ages`, ms late) left when it was sent and that the rest was
 * dropped and counted. Queued, the last of them arrived seconds late. Paced by the clock, not by sleeps,
 * and all 600 sent: a loaded machine stretches each sleep, and sent one a sleep, or stopped at 1.5 s with
 * those due after a stall unsent, the messages could fall under the rate.
 */
async function sendAboveTheRate(
  client: Client,
  send: (sentAt: number) => void,
  ages: () => number[],
): Promise<void> {
  const perSecond = 400;
  const total = 600;
  const stalls = new LoopStalls();
  const startedAt = performance.now();
  let sent = 0;
  while (sent < total) {
    const elapsed = performance.now() - startedAt;
    // Those due by now, each in a turn of its own: the server link's TCP mode batches one turn's sends.
    for (const due = Math.min(total, Math.ceil((elapsed / 1_000) * perSecond)); sent < due; sent++) {
      send(Date.now());
      await Promise.resolve();
    }
    await sleep(10);
  }
  // Each one either went at once or was dropped and counted, so each that went arrives: waited for, not
  // slept on. (Its server link's keepalive beats may be among those counted as dropped.)
  await eventually(
    () => ages().length >= sent - client.stats().sends.volatileDropped,
    'every stamp not dropped at the room',
    20_000,
  );
  stalls.stop();
  // The session's budget (216 at once, then 108 a second, over the 1.5 s or more the sends took) let
  // hundreds go and held back the rest, however the machine stretched the sending.
  expect(ages().length).toBeGreaterThan(100);
  expect(ages().length).toBeLessThan(sent);
  // None waited: late by no more than a message's trip through this process's event loop, which a
  // loaded machine stalls (a trip spans at most two of its turns).
  expect(Math.max(...ages())).toBeLessThan(600 + 2 * stalls.longestMs);
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
    // Each sample to the session's budget as it is sent: a link's own gate (20 a second, by default)
    // lets one a turn go, and a loaded machine's stretched turns then took the samples under the rate,
    // where the budget has nothing to thin.
    const links = peerRooms.map((peerRoom) => room.relayLink(peerRoom.selfId, { physIntervalMs: 0 }));
    peerRooms.forEach((peerRoom, index) => {
      peerRoom.relayLink(room.selfId).onMessage((channel) => {
        if (channel === Channel.phys) samplesHeard[index] = (samplesHeard[index] ?? 0) + 1;
      });
    });
    const sample = new Uint8Array(24);
    const stalls = new LoopStalls();
    // 3 s of the game's samples (180 to each peer) in its frames. A frame sends one input (the newest),
    // and the samples due by the clock, all 180 whatever the machine's load: a loaded machine stretches
    // the frames, and samples sent one a frame, or stopped at 3 s with those due after a stall unsent,
    // could then fall under the rate.
    const startedAt = performance.now();
    let inputsSent = 0;
    let sampleTicks = 0;
    while (sampleTicks < 180) {
      const elapsed = performance.now() - startedAt;
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, Date.now());
      ada.serverLink.send(Channel.phys, bytes);
      inputsSent++;
      for (const due = Math.min(180, Math.ceil((elapsed / 1_000) * 60)); sampleTicks < due; sampleTicks++) {
        for (const link of links) link.send(Channel.phys, sample);
      }
      await sleep(1000 / 60);
    }
    // None was dropped as it was sent, so each reaches the room: waited for, not slept on.
    expect(ada.stats().sends.volatileDropped).toBe(0);
    await eventually(
      () => (AgeRoom.last?.linkAges.length ?? 0) >= inputsSent,
      'every input at the server',
      20_000,
    );
    stalls.stop();
    const ages = AgeRoom.last?.linkAges ?? [];
    expect(ages.length).toBe(inputsSent);
    // None waited: late by no more than a trip through this process's stalled event loop (see above).
    expect(Math.max(...ages)).toBeLessThan(600 + 2 * stalls.longestMs);
    // The samples were thinned to what the rate leaves, newest first: 1,080 in about 3 s, where the budget
    // lets 216 go at once and 108 a second after, inputs included.
    expect(ada.stats().sends.superseded).toBeGreaterThan(0);
    // Every peer still had some, and each relay path's keepalive came back: its round trip is measured.
    await eventually(() => samplesHeard.every((heard) => heard > 5), 'samples at every peer', 20_000);
    await eventually(
      () => links.every((link) => link.stats().rttMs > 0),
      'a round trip on every path',
      20_000,
    );
  });
});

describe('reliable messages held back by the rate', () => {
  it('leave() goes after them: all arrive in the room, the final one too, and no NOT_IN_ROOM', async () => {
    const { adaRoom, adaErrors, heard } = await twoInARoom();
    chatBurst(adaRoom);
    await adaRoom.leave();
    // The server answered the leave after it had handed the room every line.
    await bobHearsTheBurst(heard);
    expect(adaErrors.map((error) => error.code)).not.toContain(ErrorCode.NOT_IN_ROOM);
  });

  it('a room switch (joining another room) goes after them too', async () => {
    const { ada, adaRoom, adaErrors, heard } = await twoInARoom();
    chatBurst(adaRoom);
    const next = await ada.create('test');
    expect(next.roomId).not.toBe(adaRoom.roomId);
    await bobHearsTheBurst(heard);
    expect(adaErrors.map((error) => error.code)).not.toContain(ErrorCode.NOT_IN_ROOM);
  });

  it('close() writes them before closing, and resolves with 0 unsent', async () => {
    const { ada, adaRoom, adaErrors, heard } = await twoInARoom();
    chatBurst(adaRoom);
    // Longer than the default 3 s: the 85 or so held back take about 1 s, which a loaded machine stretches.
    expect(await ada.close({ flushMs: 20_000 })).toBe(0);
    expect(ada.state).toBe('closed');
    await bobHearsTheBurst(heard);
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
