import { writeVarUint } from 'vehikill-net/protocol';
import { ManualClock } from 'vehikill-net/server';
import { DispatchStream, type DispatchStreamOptions } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

/** A data frame as a peer would write it: marker 0x08, epoch 0, the number, then `bytes` bytes of payload. */
function dataFrame(seq: number, bytes: number, fill = 0): Uint8Array {
  const frame = new Uint8Array(2 + 8 + bytes).fill(fill);
  frame[0] = 0x08;
  frame[1] = 0;
  const end = writeVarUint(frame, 2, seq);
  return frame.subarray(0, end + bytes);
}

function receiver(options: DispatchStreamOptions = {}) {
  const clock = new ManualClock();
  const delivered: Uint8Array[] = [];
  const refused: string[] = [];
  const stream = new DispatchStream(
    clock,
    () => true,
    (bytes) => delivered.push(bytes),
    { ...options, refused: (reason) => refused.push(reason) },
  );
  return { clock, stream, delivered, refused };
}

describe('DispatchStream receive limits', () => {
  it('holds at most 256 KiB for a peer that never sends the next number, refusing (and counting) the rest', () => {
    const { stream, delivered, refused } = receiver();
    // What a hostile peer did: 4,096 frames from seq 2, never seq 1, each as large as the path allows.
    for (let seq = 2; seq <= 4_097; seq++) stream.receive(dataFrame(seq, 16 * 1024));
    expect(delivered).toEqual([]);
    expect(stream.heldBytes).toBeLessThanOrEqual(256 * 1024);
    expect(stream.heldBytes).toBe(16 * 16 * 1024);
    expect(refused.length).toBe(4_096 - 16);
    expect(new Set(refused)).toEqual(new Set(['window']));
    stream.close();
  });

  it('holds nothing more than 256 numbers past the next one expected, however small the frames', () => {
    const { stream, delivered, refused } = receiver();
    for (let seq = 2; seq <= 1_000; seq++) stream.receive(dataFrame(seq, 1, seq & 0xff));
    expect(refused.length).toBe(999 - 255); // 2..256 are held
    stream.receive(dataFrame(1, 1, 1));
    expect(delivered.map((bytes) => bytes[0])).toEqual(Array.from({ length: 256 }, (_, i) => (i + 1) & 0xff));
    stream.close();
  });

  it('skips a message over maxMessageBytes in its turn: counted, never held, and the stream goes on', () => {
    const { stream, delivered, refused } = receiver({ maxMessageBytes: 1_024 });
    stream.receive(dataFrame(3, 10, 3));
    stream.receive(dataFrame(2, 5_000, 2)); // early and too large: nothing held for it
    expect(stream.heldBytes).toBe(10);
    stream.receive(dataFrame(1, 10, 1));
    stream.receive(dataFrame(4, 5_000, 4)); // in order and too large: skipped at once
    stream.receive(dataFrame(5, 1_024, 5));
    expect(delivered.map((bytes) => [bytes[0], bytes.length])).toEqual([
      [1, 10],
      [3, 10],
      [5, 1_024],
    ]);
    expect(refused).toEqual(['too-large', 'too-large']);
    expect(stream.heldBytes).toBe(0);
    stream.close();
  });

  it('refuses (and counts) a frame that is no dispatch frame, and goes on', () => {
    const { stream, delivered, refused } = receiver();
    stream.receive(Uint8Array.of(0x08, 0, 0xff, 0xff)); // a number cut short
    stream.receive(Uint8Array.of(0x08)); // no epoch
    stream.receive(Uint8Array.of(0xa5, 1, 2, 3)); // no marker
    stream.receive(new Uint8Array(0));
    stream.receive(dataFrame(1, 1, 7));
    expect(refused).toEqual(['malformed', 'malformed', 'malformed', 'malformed']);
    expect(delivered.map((bytes) => bytes[0])).toEqual([7]);
    stream.close();
  });

  it('gets what it refused for the window again from the sender, once the gap is acked', () => {
    const clock = new ManualClock();
    const delivered: number[] = [];
    let sender: DispatchStream | undefined;
    let dropFirst = true;
    const receiver = new DispatchStream(
      clock,
      (ack) => {
        sender?.receive(ack);
        return true;
      },
      (bytes) => delivered.push(((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0)),
    );
    sender = new DispatchStream(
      clock,
      (frame) => {
        // The first frame is lost on the way (a path that died): everything after it comes early.
        if (dropFirst) dropFirst = false;
        else receiver.receive(frame);
        return true;
      },
      () => {},
    );
    for (let n = 0; n < 600; n++) sender.send(Uint8Array.of(n >> 8, n & 0xff));
    expect(delivered).toEqual([]);
    clock.advance(30_000);
    expect(delivered).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(sender.unacked).toBe(0);
    sender.close();
    receiver.close();
  });
});
