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

  it('acks from a timer without throwing when the path refuses the ack, and acks again later', () => {
    const clock = new ManualClock();
    let refusing = true;
    const acks: Uint8Array[] = [];
    const receiver = new DispatchStream(
      clock,
      (frame) => {
        if (refusing) throw new Error('OUTBOX_OVERFLOW');
        acks.push(frame);
        return true;
      },
      () => {},
    );
    const sender = new DispatchStream(
      clock,
      (frame) => {
        receiver.receive(frame);
        return true;
      },
      () => {},
    );
    sender.send(Uint8Array.of(1));
    // The ack is due after a short delay, from a timer: nobody could catch a throw there.
    expect(() => clock.advance(1_000)).not.toThrow();
    expect(acks).toEqual([]);
    refusing = false;
    // The sender resends (a path change); the duplicate is acked again.
    sender.resend();
    clock.advance(1_000);
    expect(acks.length).toBe(1);
  });
});
