import { Channel } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { type MeshChannelName, serverForHostilePeers, victimWithHostile } from '../support/hostile-peer.js';
import { eventually, sleep } from '../support/server.js';

const server = serverForHostilePeers();

/** Random bytes, 0 to 63 of them, from a fixed seed. */
function garbage(seed: number): Uint8Array<ArrayBuffer> {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) >>> 0;
    return state >>> 24;
  };
  return Uint8Array.from({ length: next() % 64 }, next);
}

/** Counts the `phys` messages the bystander sends the victim, 50 a second, while `during` runs. */
async function whileBystanderSends(
  s: Awaited<ReturnType<typeof victimWithHostile>>,
  during: () => Promise<void>,
) {
  let sent = 0;
  const from = s.heard.fromBystander;
  const timer = setInterval(() => {
    if (s.bystander.send(s.victimId, Channel.phys, Uint8Array.of(1))) sent++;
  }, 20);
  await during();
  await sleep(200);
  clearInterval(timer);
  return { sent, heard: s.heard.fromBystander - from };
}

/**
 * What held up when a hostile peer talked straight to an honest one: these pin it. Garbage on every
 * channel and floods are dropped and counted; they throw nothing out of the stack's callbacks, and
 * the honest player goes on hearing the others and the hostile peer's own well-formed messages.
 */
describe("a hostile peer's garbage and floods on the direct link", () => {
  it('garbage on each channel is dropped; the link and the other peers go on', async () => {
    const s = await victimWithHostile(server());
    // The control channel last: a garbage byte 3 there is a goodbye, which any peer may say.
    for (const name of ['phys', 'event', 'dispatch'] as MeshChannelName[]) {
      const { sent, heard } = await whileBystanderSends(s, async () => {
        for (let i = 0; i < 2_000; i++) s.hostile.channels[name].send(garbage(i + 1));
        s.hostile.channels[name].send('text');
        await sleep(300);
      });
      expect(heard).toBeGreaterThanOrEqual(sent * 0.8);
      expect(s.link().state).toBe('direct');
    }
    const before = s.heard.fromHostile;
    s.hostile.channels.phys.send(Uint8Array.of(42));
    await eventually(() => s.heard.fromHostile > before, 'the hostile peer still heard');
    expect(s.link().stats().droppedFrames).toBeGreaterThanOrEqual(3); // the text messages
    s.close();
  }, 60_000);

  it('a flood of 40,000 messages a second is rated and counted; the other peers are still heard', async () => {
    const s = await victimWithHostile(server());
    const phys = s.hostile.channels.phys;
    let flooded = 0;
    const { sent, heard } = await whileBystanderSends(s, async () => {
      const end = performance.now() + 2_000;
      while (performance.now() < end) {
        for (let i = 0; i < 200; i++) {
          if (phys.bufferedAmount > 1_000_000) break;
          phys.send(Uint8Array.of(1, 2, 3));
          flooded++;
        }
        await sleep(5);
      }
    });
    expect(flooded).toBeGreaterThan(40_000);
    expect(heard).toBeGreaterThanOrEqual(sent * 0.8);
    // 240 a second with a burst of 480 are taken; the rest are refused, each counted, in a few reports
    // (one per 250 ms of the flood, not an event per message).
    expect(s.heard.fromHostile).toBeLessThan(1_500);
    await expect.poll(() => s.heard.rejected.rate).toBeGreaterThan(flooded * 0.5);
    expect(s.heard.reports).toBeLessThan(40);
    expect(s.link().state).toBe('direct');
    s.close();
  }, 60_000);
});
