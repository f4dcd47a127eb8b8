import * as v from 'valibot';
import { ErrorCode, type ProtocolError, RoomRequestError } from 'vehikill-net/client';
import { type CountingMetrics, Room, RoomError } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';

/**
 * `onMessage('*', handler)`: the messages and requests of every type with no handler of its own reach one
 * handler, with their type and unchecked data (Colyseus's `onMessage('*', (client, type, message) => ...)`).
 */

/** 'chat' has its own handler and schema; everything else goes to the catch-all, which 'stop-all' removes. */
class PortedRoom extends Room {
  static last: PortedRoom | undefined;
  readonly chats: string[] = [];
  readonly caught: Array<{ from: string; type: string; data: unknown }> = [];

  override onCreate(): void {
    PortedRoom.last = this;
    this.onMessage('chat', v.object({ text: v.string() }), (_client, { text }) => this.chats.push(text));
    const stopCatchAll = this.onMessage('*', (client, type, data) => {
      this.caught.push({ from: client.playerId, type, data });
      if (type === 'stop-all') stopCatchAll();
      if (type === 'refuse') throw new RoomError('NO_SUCH_THING', `there is no '${String(data)}' here`);
      if (type.startsWith('bug')) throw new Error('the catch-all has a bug');
      if (type === 'later') return Promise.resolve({ later: data });
      return { echo: type, data };
    });
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = undefined;
  PortedRoom.last = undefined;
});

async function portedRoom() {
  t = await startServer({ ported: PortedRoom });
  const client = t.client();
  await client.connect();
  const errors: ProtocolError[] = [];
  client.on('error', (error) => errors.push(error));
  const room = await client.create('ported');
  return { client, room, errors, caught: PortedRoom.last?.caught ?? [] };
}

describe("onMessage('*', handler)", () => {
  it('gets the messages of every type with no handler of its own, with the type and the data as sent', async () => {
    const { client, room, errors, caught } = await portedRoom();
    room.send('emote', { name: 'wave', at: [1, 2] });
    room.send('ready');
    room.send('chat', { text: 'hi' });
    await eventually(() => caught.length === 2 && PortedRoom.last?.chats.length === 1, 'all three handled');
    expect(caught).toEqual([
      { from: client.playerId, type: 'emote', data: { name: 'wave', at: [1, 2] } },
      { from: client.playerId, type: 'ready', data: undefined },
    ]);
    // A type with a handler of its own keeps it, and its schema: what fails it is refused, never caught.
    room.send('chat', { text: 5 });
    await eventually(() => errors.length === 1, 'the refusal');
    expect(errors[0]?.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(PortedRoom.last?.chats).toEqual(['hi']);
    expect(caught).toHaveLength(2);
  });

  it("answers a request of a type it alone handles with its value, and refuses as a handler's throw does", async () => {
    const { room } = await portedRoom();
    expect(await room.request('lookup', 42)).toEqual({ echo: 'lookup', data: 42 });
    expect(await room.request('later', 'soon')).toEqual({ later: 'soon' });
    const refused = await room.request('refuse', 'sword').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RoomRequestError);
    expect(refused).toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
      reason: 'NO_SUCH_THING',
      message: "there is no 'sword' here",
    });
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const failed = await room.request('bug-1').catch((error: unknown) => error);
    expect(failed).toMatchObject({ code: ErrorCode.REQUEST_FAILED });
    expect((failed as Error).message).not.toMatch(/has a bug/);
  });

  it("counts its failures under one hook, '*', whatever types a member makes up for it", async () => {
    const { room, caught } = await portedRoom();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (let i = 0; i < 5; i++) room.send(`bug-${i}`);
    await room.request('bug-request').catch(() => {});
    await eventually(() => caught.length === 6, 'every one handled');
    const metrics = (t as TestServer).server.metrics as CountingMetrics;
    expect(metrics.total('room_hook_errors_total', { hook: "message '*'" })).toBe(6);
    expect(metrics.total('room_hook_errors_total', { hook: "message 'bug-0'" })).toBe(0);
    // Logged as one hook's throws: the first at once, then at most a line every 10 s.
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('once disposed, the types it took are refused UNKNOWN_MESSAGE_TYPE again', async () => {
    const { room, errors, caught } = await portedRoom();
    room.send('stop-all');
    await eventually(() => caught.length === 1, 'the catch-all removed itself');
    room.send('emote');
    await eventually(() => errors.length === 1, 'the refusal');
    expect(errors[0]?.code).toBe(ErrorCode.UNKNOWN_MESSAGE_TYPE);
    const error = await room.request('lookup').catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: ErrorCode.UNKNOWN_MESSAGE_TYPE });
    expect(caught).toHaveLength(1);
  });
});
