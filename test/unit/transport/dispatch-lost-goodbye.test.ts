import { ManualClock } from 'vehikill-net/server';
import { DispatchStream } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { encodeDispatchData } from '../../../src/transport/dispatch-frames.js';

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

  it("follows the peer's newer stream and keeps its own: two links crossing streams settle, nothing lost", () => {
    // A's link A1 took nothing of B's stream and closed, and its goodbye was lost: B's link B1 (stream 1)
    // goes on, following A1's stream. A's next link A2 (stream 2) retires nothing and takes B1's stream as
    // it is; B1 takes A2's as newer. Both send every tick, frames crossing; B's path refuses a few frames
    // for a moment (a full session outbox), which its stream sends again later.
    const clock = new ManualClock();
    const toA: Uint8Array[] = [];
    const toB: Uint8Array[] = [];
    const heardByA: number[] = [];
    const heardByB: number[] = [];
    let bRefuses = false;
    const b = new DispatchStream(
      clock,
      (frame) => !bRefuses && toA.push(frame) > 0,
      (bytes) => heardByB.push(bytes[0] as number),
      { epoch: 1 },
    );
    b.receive(encodeDispatchData(1, 1, Uint8Array.of(0)));
    heardByB.length = 0;
    toA.length = 0; // B1's ack, to A1, which is gone
    const a = new DispatchStream(
      clock,
      (frame) => toB.push(frame) > 0,
      (bytes) => heardByA.push(bytes[0] as number),
      { epoch: 2 },
    );
    const rounds = 40;
    for (let round = 1; round <= rounds; round++) {
      bRefuses = round >= 19 && round <= 22;
      a.send(Uint8Array.of(round));
      b.send(Uint8Array.of(round));
      bRefuses = false;
      for (const frame of toB.splice(0)) b.receive(frame);
      for (const frame of toA.splice(0)) a.receive(frame);
      clock.advance(20);
    }
    for (let k = 0; k < 100; k++) {
      for (const frame of toB.splice(0)) b.receive(frame);
      for (const frame of toA.splice(0)) a.receive(frame);
      clock.advance(500);
    }
    const all = Array.from({ length: rounds }, (_, k) => k + 1);
    expect([a.epoch, b.epoch]).toEqual([2, 1]);
    expect(heardByA).toEqual(all);
    expect(heardByB).toEqual(all);
  });
});
