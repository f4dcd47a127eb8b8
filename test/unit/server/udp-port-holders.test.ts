import { describe, expect, it } from 'vitest';
import type { NativeRtc } from '../../../src/server/server-link/native-rtc-link.js';
import { holdUdpPort, releaseUdpPort } from '../../../src/server/server-link/udp-port-holders.js';

/**
 * node-datachannel's listener as observed (0.33): a port once bound stays bound by the process, and a new
 * listener on it fails, whether the old one was stopped or not.
 */
function stubbornNative() {
  const bound = new Set<string>();
  let made = 0;
  const native = {
    IceUdpMuxListener: class {
      stopped = false;
      constructor(port: number, address?: string) {
        const key = `${address}:${port}`;
        if (bound.has(key)) throw new Error('Failed to register ICE UDP mux listener');
        bound.add(key);
        made++;
      }
      stop(): void {
        this.stopped = true;
      }
    },
  } as unknown as NativeRtc;
  return { native, made: () => made };
}

describe('the process keeps a configured server-link UDP port for the next server', () => {
  it('a port released by a closed server is taken back, not bound again', () => {
    const { native, made } = stubbornNative();
    const first = holdUdpPort(native, 40_001, '127.0.0.1');
    releaseUdpPort(first, 40_001, '127.0.0.1');
    const again = holdUdpPort(native, 40_001, '127.0.0.1');
    expect(again).toBe(first);
    expect((again as unknown as { stopped: boolean }).stopped).toBe(false);
    expect(made()).toBe(1);
  });

  it('a port in use is not handed out twice', () => {
    const { native } = stubbornNative();
    const held = holdUdpPort(native, 40_002, '127.0.0.1');
    expect(() => holdUdpPort(native, 40_002, '127.0.0.1')).toThrow('Failed to register');
    releaseUdpPort(held, 40_002, '127.0.0.1');
    expect(holdUdpPort(native, 40_002, '127.0.0.1')).toBe(held);
  });

  it('another address or port is its own', () => {
    const { native } = stubbornNative();
    const loopback = holdUdpPort(native, 40_003, '127.0.0.1');
    releaseUdpPort(loopback, 40_003, '127.0.0.1');
    expect(holdUdpPort(native, 40_003, undefined)).not.toBe(loopback);
    expect(holdUdpPort(native, 40_004, '127.0.0.1')).not.toBe(loopback);
  });
});
