import { Channel, ClientServerLink } from 'vehikill-net/client';
import { ManualClock } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import type { ServerLinkPort } from '../../../src/client/server-link/client-server-link.js';

/** A port that records each DatagramToServer as the client's encoder would: copied when it is sent. */
function recordingPort(onSend?: (channel: number) => void) {
  const frames: Array<{ channel: number; payloads: number[][] }> = [];
  const port: ServerLinkPort = {
    clock: new ManualClock(),
    sendDatagrams(channel, payloads) {
      frames.push({ channel, payloads: payloads.map((bytes) => [...bytes]) });
      onSend?.(channel);
    },
    sendSignal() {},
    iceServers: () => [],
  };
  return { port, frames };
}

const endOfTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const physFrames = (frames: Array<{ channel: number; payloads: number[][] }>) =>
  frames.filter((frame) => frame.channel === 0).map((frame) => frame.payloads);

describe('ClientServerLink in TCP mode', () => {
  it('sends the phys messages of one turn in one frame, and each later turn only its own', async () => {
    const { port, frames } = recordingPort();
    const link = new ClientServerLink(port, { mode: 'off' });
    link.send(Channel.phys, Uint8Array.of(1));
    link.send(Channel.phys, Uint8Array.of(2));
    link.send(Channel.phys, Uint8Array.of(3));
    expect(physFrames(frames)).toEqual([]);
    await endOfTurn();
    expect(physFrames(frames)).toEqual([[[1], [2], [3]]]);

    link.send(Channel.phys, Uint8Array.of(4));
    await endOfTurn();
    await endOfTurn(); // a turn with nothing sent sends nothing
    link.send(Channel.phys, Uint8Array.of(5));
    link.send(Channel.phys, Uint8Array.of(6));
    await endOfTurn();
    expect(physFrames(frames)).toEqual([[[1], [2], [3]], [[4]], [[5], [6]]]);
    link.close();
  });

  it('sends a full batch (64) at once and keeps what follows for the end of the turn', async () => {
    const { port, frames } = recordingPort();
    const link = new ClientServerLink(port, { mode: 'off' });
    for (let i = 0; i < 66; i++) link.send(Channel.phys, Uint8Array.of(i));
    expect(physFrames(frames).map((payloads) => payloads.length)).toEqual([64]);
    await endOfTurn();
    expect(physFrames(frames)).toEqual([Array.from({ length: 64 }, (_, i) => [i]), [[64], [65]]]);
    link.close();
  });

  it('keeps a message sent while a frame is being sent, for the next frame', async () => {
    let link: ClientServerLink | undefined;
    let resent = false;
    const { port, frames } = recordingPort((channel) => {
      if (channel !== 0 || resent) return;
      resent = true;
      link?.send(Channel.phys, Uint8Array.of(9));
    });
    link = new ClientServerLink(port, { mode: 'off' });
    link.send(Channel.phys, Uint8Array.of(1));
    await endOfTurn();
    await endOfTurn();
    expect(physFrames(frames)).toEqual([[[1]], [[9]]]);
    link.close();
  });
});

describe('ClientServerLink.sendTagged', () => {
  it("refuses in 'require' mode what send refuses: no datagram goes over the WebSocket", async () => {
    const { port, frames } = recordingPort();
    const link = new ClientServerLink(port, { mode: 'require' });
    expect(link.send(Channel.phys, Uint8Array.of(7, 1))).toBe(false);
    // The same message, tag apart: it took the TCP path's own sendTagged, past the mode's check.
    expect(link.sendTagged(Channel.phys, 7, Uint8Array.of(1))).toBe(false);
    expect(link.sendTagged(Channel.event, 7, Uint8Array.of(1))).toBe(false);
    await endOfTurn();
    expect(frames.filter((frame) => frame.channel !== 2)).toEqual([]);
    link.close();
  });
});
