import * as v from 'valibot';
import { type CountingMetrics, Room } from 'vehikill-net/server';
import { Channel } from 'vehikill-net/transport';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

/** Its 'boom' handler and its onLinkMessage throw for every message (an app bug), 'async' rejects. */
class ThrowingHooksRoom extends Room {
  static handled = 0;
  override onCreate(): void {
    this.onMessage('boom', v.number(), () => {
      ThrowingHooksRoom.handled++;
      throw new Error('the handler has a bug');
    });
    this.onMessage('async', v.number(), async () => {
      ThrowingHooksRoom.handled++;
      throw new Error('the async handler has a bug');
    });
  }
  override onLinkMessage(): void {
    ThrowingHooksRoom.handled++;
    throw new Error('the input decoder has a bug');
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await t?.close();
  t = undefined;
});

describe('a room hook that throws for every message a client sends', () => {
  it('is counted every time and logged once per room and hook, not once per message', async () => {
    ThrowingHooksRoom.handled = 0;
    t = await startServer({ throwing: ThrowingHooksRoom });
    const alice = t.client();
    await alice.connect();
    const room = await alice.create('throwing');
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (let i = 0; i < 10; i++) {
      room.send('boom', i);
      room.send('async', i);
      alice.serverLink.send(Channel.dispatch, Uint8Array.of(i));
      await sleep(5);
    }
    await eventually(() => ThrowingHooksRoom.handled === 30, 'every message handled');
    await sleep(50);
    expect(logged).toHaveBeenCalledTimes(3);
    const metrics = t.server.metrics as CountingMetrics;
    expect(metrics.total('room_hook_errors_total', { hook: "message 'boom'" })).toBe(10);
    expect(metrics.total('room_hook_errors_total', { hook: "message 'async'" })).toBe(10);
    expect(metrics.total('room_hook_errors_total', { hook: 'onLinkMessage' })).toBe(10);
  });

  it('a room timer that throws at every tick is counted every time and logged once', async () => {
    let ticks = 0;
    class ThrowingTimerRoom extends Room {
      override onCreate(): void {
        this.clock.setInterval(() => {
          ticks++;
          throw new Error('the tick has a bug');
        }, 5);
      }
    }
    t = await startServer({ ticking: ThrowingTimerRoom });
    const alice = t.client();
    await alice.connect();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    await alice.create('ticking');
    await eventually(() => ticks >= 20, 'twenty ticks');
    const metrics = t.server.metrics as CountingMetrics;
    expect(metrics.total('room_hook_errors_total', { hook: 'timer' })).toBeGreaterThanOrEqual(20);
    expect(logged).toHaveBeenCalledTimes(1);
  });
});
