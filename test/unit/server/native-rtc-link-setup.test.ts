import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type NativeRtc, NativeRtcLink } from '../../../src/server/server-link/native-rtc-link.js';

/** A native connection whose stack refuses its `refusing`th data channel; it counts what was closed. */
function refusingNative(refusing: number) {
  const closed = { connections: 0, channels: 0 };
  class PeerConnection {
    #made = 0;
    onLocalDescription(): void {}
    onLocalCandidate(): void {}
    onStateChange(): void {}
    onDataChannel(): void {}
    createDataChannel(): object {
      if (++this.#made === refusing) throw new Error('libdatachannel: cannot create the data channel');
      return {
        onMessage() {},
        onOpen() {},
        onClosed() {},
        close() {
          closed.channels++;
        },
      };
    }
    close(): void {
      closed.connections++;
    }
  }
  return { native: { PeerConnection, IceUdpMuxListener: class {} } as unknown as NativeRtc, closed };
}

describe('NativeRtcLink made halfway (the stack refused a data channel)', () => {
  for (const refusing of [1, 4]) {
    it(`throws, leaving nothing behind (refused channel ${refusing})`, () => {
      const { native, closed } = refusingNative(refusing);
      let listening = 0;
      const make = () =>
        new NativeRtcLink({
          native,
          name: 'player-1',
          clock: new ManualClock(),
          config: { iceServers: [] },
          signaling: {
            send: () => {},
            onSignal: () => {
              listening++;
              return () => listening--;
            },
          },
        });
      expect(make).toThrow(/cannot create the data channel/);
      // The connection (its port, its thread) and the signaling listener outlived the throw: the listener
      // took the next attempt's signals into this dead link.
      expect(closed.connections).toBe(1);
      expect(closed.channels).toBe(refusing - 1);
      expect(listening).toBe(0);
    });
  }
});
