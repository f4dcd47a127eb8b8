import { ManualClock } from 'vehikill-net/server';
import { DispatchStream } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { encodeDispatchData, readDispatchFrame } from '../../../src/transport/dispatch-frames.js';

/* What a link does when the peer's goodbye, or ours, never arrived (see DispatchStream.#receiveData). */
describe('DispatchStream after a lost goodbye', () => {
  it("reports each frame of the retired stream, and not an older one's or the followed one's", () => {
    const heard: number[] = [];
    const stream = new DispatchStream(
      new ManualClock(),
      () => true,
      () => {},
      {
        retiredPeerEpoch: 4,
        retiredHeard: (epoch) => heard.push(epoch),
      },
    );
    stream.receive(encodeDispatchData(4, 9, Uint8Array.of(1)));
    stream.receive(encodeDispatchData(3, 1, Uint8Array.of(1)));
    stream.receive(encodeDispatchData(5, 1, Uint8Array.of(1)));
    stream.receive(encodeDispatchData(4, 10, Uint8Array.of(1)));
    expect(heard).toEqual([4, 4]);
  });

  it("starts its own stream anew under the next epoch when the peer's starts over, dropping the old one's", () => {
    const written: Uint8Array[] = [];
    const delivered: number[] = [];
    let next = 7;
    const stream = new DispatchStream(
      new ManualClock(),
      (frame) => written.push(frame) > 0,
      (bytes) => delivered.push(bytes[0] as number),
      { epoch: 6, nextEpoch: () => next++ },
    );
    stream.receive(encodeDispatchData(2, 1, Uint8Array.of(1)));
    stream.send(Uint8Array.of(10)); // unacked: the peer's link that took ours is gone
    expect(stream.epoch).toBe(6);
    stream.receive(encodeDispatchData(3, 1, Uint8Array.of(2)));
    expect(stream.epoch).toBe(7);
    expect(stream.unacked).toBe(0);
    expect(delivered).toEqual([1, 2]);
    written.length = 0;
    stream.send(Uint8Array.of(11));
    expect(readDispatchFrame(written.at(-1)!)).toMatchObject({ epoch: 7, seq: 1 });
    // More of the same newer stream starts nothing more.
    stream.receive(encodeDispatchData(3, 2, Uint8Array.of(3)));
    expect(stream.epoch).toBe(7);
  });
});
