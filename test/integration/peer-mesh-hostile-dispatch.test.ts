import { Channel } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { encodeDispatchData } from '../../src/transport/dispatch-frames.js';
import { serverForHostilePeers, victimWithHostile } from '../support/hostile-peer.js';
import { eventually, sleep } from '../support/server.js';

const server = serverForHostilePeers();

/**
 * The mesh's limits on a peer (size, rate, block) are checked as frames arrive, before the dispatch
 * stream takes them, and what the stream refuses is reported. Before, the limits applied only to what
 * the stream delivered: frames it refused (malformed, beyond its window) went unreported, and a message
 * over the rate had already been acked when it was dropped, so its sender never sent it again.
 */
describe('dispatch frames from a peer', () => {
  it('that are malformed, too large or far ahead are rejected and reported; the stream goes on', async () => {
    const s = await victimWithHostile(server(), { maxMessageBytes: 1_000 });
    const dispatch = {
      send: (bytes: Uint8Array) => s.hostile.channels.dispatch.send(bytes as Uint8Array<ArrayBuffer>),
    };
    dispatch.send(Uint8Array.of(8, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1)); // seq past 2^53
    dispatch.send(Uint8Array.of(0x42, 1, 2)); // neither data nor ack
    dispatch.send(encodeDispatchData(0, 1_000_000, Uint8Array.of(1))); // far beyond the window
    dispatch.send(encodeDispatchData(0, 1, new Uint8Array(2_000))); // over maxMessageBytes: skipped in its turn
    dispatch.send(encodeDispatchData(0, 2, Uint8Array.of(7)));
    const got: number[] = [];
    s.victim.on('message', ({ from, channel, bytes }) => {
      if (from === s.hostileId && channel === Channel.dispatch) got.push(bytes[0]!);
    });
    await eventually(() => got.length === 1, 'the next message delivered');
    expect(got).toEqual([7]);
    // The second malformed frame is in the report that follows the first, a window later.
    await expect.poll(() => s.heard.rejected).toMatchObject({ malformed: 2, window: 1, 'too-large': 1 });
    s.close();
  }, 60_000);

  it("over the peer's rate are refused unacked, so its sender sends them again: none is lost", async () => {
    const s = await victimWithHostile(server());
    const got: number[] = [];
    s.victim.on('message', ({ from, channel, bytes }) => {
      if (channel === Channel.dispatch && from !== s.hostileId)
        got.push(new DataView(bytes.buffer, bytes.byteOffset).getUint16(0));
    });
    // Twice the burst the victim takes from one peer (480): the rest comes again, paced by its rate.
    for (let i = 0; i < 960; i++) {
      const bytes = new Uint8Array(2);
      new DataView(bytes.buffer).setUint16(0, i);
      s.bystander.send(s.victimId, Channel.dispatch, bytes);
    }
    await eventually(() => got.length >= 960, 'every message', 20_000).catch(() => {});
    await sleep(200);
    expect(got.length).toBe(960);
    expect(got).toEqual(Array.from({ length: 960 }, (_, i) => i));
    expect(s.heard.rejected.rate).toBeGreaterThan(0);
    s.close();
  }, 60_000);
});
