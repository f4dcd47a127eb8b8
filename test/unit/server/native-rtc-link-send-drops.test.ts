import { describe, expect, it } from 'vitest';
import { Channel, DATAGRAM_QUEUE_LIMIT } from '../../../src/transport/index.js';
import { nativeWith, QuietPeerConnection, signaledLink } from './fakes/native-link.js';

/** The server's end of a direct link counts what it drops at a full send queue, as the client's end does. */
function openNative() {
  const queued = { bytes: 0, written: [] as Uint8Array[] };
  class Open extends QuietPeerConnection {
    override createDataChannel(): object {
      return {
        onMessage() {},
        onOpen() {},
        onClosed() {},
        close() {},
        isOpen: () => true,
        bufferedAmount: () => queued.bytes,
        sendMessageBinary: (bytes: Uint8Array) => queued.written.push(bytes),
      };
    }
  }
  return { native: nativeWith(Open), queued };
}

describe("the server's direct link's sendDrops", () => {
  it('counts phys and event messages dropped at a full send queue; dispatch still goes', () => {
    const { native, queued } = openNative();
    const { link } = signaledLink(native);
    queued.bytes = DATAGRAM_QUEUE_LIMIT + 1;
    expect(link.send(Channel.phys, Uint8Array.of(1))).toBe(true);
    expect(link.send(Channel.event, Uint8Array.of(2))).toBe(true);
    expect(link.send(Channel.dispatch, Uint8Array.of(3))).toBe(true);
    expect(queued.written).toEqual([Uint8Array.of(3)]);
    expect(link.stats().sendDrops).toBe(2);
    queued.bytes = 0;
    expect(link.send(Channel.phys, Uint8Array.of(4))).toBe(true);
    expect(link.stats().sendDrops).toBe(2);
    link.close();
  });
});
