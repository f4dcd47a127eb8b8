import * as v from 'valibot';
import { Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/**
 * The client's `room.onMessage('*', handler)` (Colyseus's client `onMessage('*', (type, message) => ...)`):
 * the room's messages of every type with no handler of their own reach one handler, with their type. A
 * message with neither is dropped, and the console says so once per type, naming it.
 */

/** Greets from onJoin (right behind the join's answer), and sends what a player asks it to. */
class Newsroom extends Room {
  override onCreate(): void {
    this.onMessage('please-send', v.array(v.tuple([v.string(), v.unknown()])), (client, what) => {
      for (const [type, data] of what) client.send(type, data);
    });
  }
  override onJoin(client: RoomClient): void {
    client.send('welcome', { motd: 'hi' });
    client.send('score', 3);
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = undefined;
});

async function joined() {
  t = await startServer({ news: Newsroom });
  const client = t.client();
  await client.connect();
  return client.create('news');
}

describe("a client room's onMessage('*')", () => {
  it('gets the types with no handler of their own, early ones too; handlers registered with it keep theirs', async () => {
    const room = await joined();
    const scores: unknown[] = [];
    const caught: Array<[string, unknown, string | undefined]> = [];
    // Registered in the same go after the join: 'score' keeps its early message, '*' takes 'welcome'.
    room.onMessage('*', (type, data, from) => caught.push([type, data, from]));
    room.onMessage('score', (score) => scores.push(score));
    await eventually(() => caught.length === 1 && scores.length === 1, 'the early messages');
    expect(caught).toEqual([['welcome', { motd: 'hi' }, undefined]]);
    expect(scores).toEqual([3]);

    room.send('please-send', [
      ['emote', 'wave'],
      ['score', 4],
      ['ready', null],
    ]);
    await eventually(() => caught.length === 3 && scores.length === 2, 'the later messages');
    expect(caught.slice(1)).toEqual([
      ['emote', 'wave', undefined],
      ['ready', null, undefined],
    ]);
    expect(scores).toEqual([3, 4]);
  });

  it('a later catch-all replaces the first; once disposed, nothing is caught', async () => {
    const room = await joined();
    const first: string[] = [];
    const second: string[] = [];
    room.onMessage('*', (type) => first.push(type));
    const stop = room.onMessage('*', (type) => second.push(type));
    await eventually(() => second.length === 2, 'the early messages');
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    stop();
    room.send('please-send', [['emote', 'wave']]);
    room.send('please-send', [['marker', 1]]);
    room.onMessage('marker', () => {});
    await sleep(300);
    expect(first).toEqual([]);
    expect(second).toEqual(['welcome', 'score']);
  });

  it('a catch-all that throws is logged, as a typed handler is, and still gets the messages after it', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const room = await joined();
    const caught: string[] = [];
    room.onMessage('*', (type) => {
      caught.push(type);
      if (type === 'welcome' || type === 'boom') throw new Error(`app bug on ${type}`);
    });
    // The early messages: the throw on 'welcome' loses none of those behind it.
    await eventually(() => caught.length === 2, 'the early messages');
    expect(caught).toEqual(['welcome', 'score']);
    // Later ones, arriving from the socket: the throw reaches neither the socket's stream nor the process.
    room.send('please-send', [
      ['boom', 1],
      ['after', 2],
    ]);
    await eventually(() => caught.length === 4, 'the later messages');
    expect(caught.slice(2)).toEqual(['boom', 'after']);
    expect(logged).toHaveBeenCalledTimes(2);
  });
});

describe('a room message no handler takes', () => {
  it('is dropped, and the console is told once per type, naming it, past the first second', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const room = await joined();
    const got: unknown[] = [];
    room.onMessage('marker', (data) => got.push(data));
    await sleep(1_100); // the early messages' second is over: 'welcome' and 'score' were kept, never taken
    room.send('please-send', [
      ['emote', 'wave'],
      ['emote', 'clap'],
      ['taunt', 'gg'],
      ['marker', 1],
    ]);
    await eventually(() => got.length === 1, 'the marker');
    const told = warn.mock.calls.map(([line]) => String(line));
    expect(told).toHaveLength(2);
    expect(told[0]).toMatch(/room 'news' .* sent 'emote', which has no onMessage handler/);
    expect(told[0]).toContain("room.onMessage('*', ...)");
    expect(told[1]).toMatch(/sent 'taunt'/);
  });

  it('is dropped without a word while the client closes, writing what it held back', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    t = await startServer({ news: Newsroom });
    const client = t.client();
    await client.connect();
    const room = await client.create('news');
    let closed: Promise<number> | undefined;
    const whileClosing: number[] = [];
    room.onMessage('marker', (n) => {
      if (client.state === 'open' && closed !== undefined) whileClosing.push(n as number);
    });
    await sleep(1_100); // past the early messages' second, as above
    // More than the session's rate lets go at once: the rest goes out while close() writes it.
    for (let n = 0; n < 400; n++) {
      room.send('please-send', [
        ['emote', n],
        ['marker', n],
      ]);
    }
    closed = client.close({ flushMs: 20_000 });
    expect(await closed).toBe(0);
    // Emotes came with no handler while it closed (each behind its marker's request), and none was told.
    expect(whileClosing.length).toBeGreaterThan(0);
    expect(warn.mock.calls.map(([line]) => String(line)).filter((line) => line.includes('emote'))).toEqual(
      [],
    );
  });
});
