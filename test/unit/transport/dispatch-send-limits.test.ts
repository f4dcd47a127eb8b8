import { ManualClock } from 'vehikill-net/server';
import { DispatchStream } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

describe('DispatchStream send limits', () => {
  it('holds at most 4 MiB of frames unacked: a message whose frame would pass that is refused', () => {
    const clock = new ManualClock();
    const sender = new DispatchStream(
      clock,
      () => true,
      () => {},
    );
    // Numbers 1-127 take one varuint byte, 128-256 two: frames of 16,377 and 16,378 bytes.
    for (let n = 1; n <= 256; n++) expect(sender.send(new Uint8Array(16_374))).toBe(true);
    const held = 127 * 16_377 + 129 * 16_378;
    const room = 4 * 1024 * 1024 - held; // 1,663 bytes
    // Message 257: a 4-byte header. Its payload fits the room, its frame does not.
    expect(sender.send(new Uint8Array(room - 1))).toBe(false);
    expect(sender.send(new Uint8Array(room - 4))).toBe(true);
    expect(sender.send(Uint8Array.of(1))).toBe(false);
    expect(sender.unacked).toBe(257);
    sender.close();
  });
});
