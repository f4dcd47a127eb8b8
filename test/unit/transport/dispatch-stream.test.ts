import { ManualClock } from 'vehikill-net/server';
import { DispatchStream } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

describe('DispatchStream', () => {
  it('survives a path that throws (its buffer full), and delivers everything once it takes frames again', () => {
    const clock = new ManualClock();
    let refusing = true;
    const delivered: number[] = [];
    const receiver = new DispatchStream(
      clock,
      () => true,
      (bytes) => delivered.push(bytes[0] as number),
    );
    const sender = new DispatchStream(
      clock,
      (frame) => {
        if (refusing) throw new Error('OUTBOX_OVERFLOW');
        receiver.receive(frame);
        return true;
      },
      () => {},
    );
    for (let n = 1; n <= 5; n++) expect(sender.send(Uint8Array.of(n))).toBe(true);
    expect(() => sender.resend()).not.toThrow();
    expect(delivered).toEqual([]);
    refusing = false;
    sender.resend();
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
  });
});
