import * as v from 'valibot';
import { ErrorCode, Kind } from 'vehikill-net/protocol';
import { type CountingMetrics, Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rawMember } from '../support/raw-member.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/** Its 'move' schema throws for every message (an app bug); 'chat' is sound. */
class ThrowingSchemaRoom extends Room {
  override onCreate(): void {
    const broken = v.pipe(
      v.number(),
      v.transform((): number => {
        throw new Error('the transform has a bug');
      }),
    );
    this.onMessage('move', broken, () => {});
    this.onMessage('chat', v.string(), (client, text) => client.send('chat', text));
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = undefined;
});

describe('a room whose message schema throws for every message', () => {
  it('answers each with INTERNAL_ERROR, costs the sender nothing, and logs the fault once, counted', async () => {
    t = await startServer({ broken: ThrowingSchemaRoom });
    const alice = t.client();
    await alice.connect();
    const room = await alice.create('broken');
    const raw = await rawMember(t, room.roomId);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    // Past the fault budget (20): none of these is the sender's fault.
    for (let i = 0; i < 30; i++) {
      raw.send(Kind.ClientRoomMessage, { t: 'move', d: i });
      await sleep(5);
    }
    await eventually(() => raw.received(Kind.Error).length === 30, 'every message answered');
    expect(new Set(raw.received(Kind.Error).map((error) => error.code))).toEqual(
      new Set([ErrorCode.INTERNAL_ERROR]),
    );
    expect(raw.received(Kind.Error)[0]?.message).toMatch(/'move'/);
    raw.send(Kind.ClientRoomMessage, { t: 'chat', d: 'still here' });
    await eventually(() => raw.received(Kind.ServerRoomMessage).length === 1, 'the sender is still served');
    expect(raw.closeCode).toBeUndefined();
    expect(logged).toHaveBeenCalledTimes(1);
    expect(String(logged.mock.calls[0]?.[0])).toMatch(/'broken'.*'move'/);
    const metrics = t.server.metrics as CountingMetrics;
    expect(metrics.total('room_hook_errors_total', { hook: "schema 'move'" })).toBe(30);
    raw.close();
  });
});
