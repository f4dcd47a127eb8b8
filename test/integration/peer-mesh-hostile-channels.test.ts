import { Channel } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { serverForHostilePeers, victimWithHostile } from '../support/hostile-peer.js';
import { eventually } from '../support/server.js';

const server = serverForHostilePeers();

/**
 * A hostile peer opens data channels of its own on the direct link (in band: every channel of the mesh
 * is negotiated). Before, the victim kept every one open (libdatachannel allows 510), each with its SCTP
 * stream and buffers, each message on them woke the victim's page to be dispatched to nobody, and
 * nothing counted them.
 */
describe('data channels a peer opens in band', () => {
  it('are closed at once and counted; the link and the other peers go on', async () => {
    const s = await victimWithHostile(server());
    const extra = Array.from({ length: 50 }, (_, i) => s.hostile.pc.createDataChannel(`mine-${i}`));
    await eventually(() => extra.every((channel) => channel.readyState === 'closed'), 'closed by the victim');
    expect(s.link().stats().droppedFrames).toBeGreaterThanOrEqual(50);
    expect(s.link().state).toBe('direct');
    const before = { hostile: s.heard.fromHostile, bystander: s.heard.fromBystander };
    s.hostile.channels.phys.send(Uint8Array.of(1));
    s.bystander.send(s.victimId, Channel.dispatch, Uint8Array.of(2));
    await eventually(
      () => s.heard.fromHostile > before.hostile && s.heard.fromBystander > before.bystander,
      'both still heard',
    );
    s.close();
  }, 60_000);
});
