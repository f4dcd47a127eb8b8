import { describe, expect, it } from 'vitest';
import {
  type MeshChannelName,
  serverForHostilePeers,
  victimWithHostile,
  whileBystanderSends,
} from '../support/hostile-peer.js';
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

/**
 * What held up when a hostile peer talked straight to an honest one: these pin it. Garbage on every
 * channel is dropped and counted; it throws nothing out of the stack's callbacks, and the honest player
 * goes on hearing the others and the hostile peer's own well-formed messages. (Floods:
 * peer-mesh-flood-penalty.test.ts.)
 */
describe("a hostile peer's garbage on the direct link", () => {
  it('garbage on each channel is dropped; the link and the other peers go on', async () => {
    // 2,000 at once on a channel is a flood as well (peer-mesh-flood-penalty.test.ts): held to the relay,
    // the peer's garbage would not reach the direct link's channels this test is about.
    const s = await victimWithHostile(server(), { floodPenaltyMs: 0 });
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
});
