import { ManualClock } from 'vehikill-net/server';
import { DispatchStream } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';

/**
 * A sender and a receiver joined by a path the test controls: `refuse` makes the path say no (a full
 * session outbox), `lose` makes it take frames and drop them (a resync, a path that died).
 */
function pair(options: { mayRetransmit?: () => boolean } = {}) {
  const clock = new ManualClock();
  const heldAcks: Uint8Array[] = [];
  const path = {
    refuse: false,
    lose: false,
    holdAcks: false,
    dataFrames: 0,
    releaseAcks: () => {
      for (const ack of heldAcks.splice(0)) sender?.receive(ack);
    },
  };
  const delivered: number[] = [];
  let sender: DispatchStream | undefined;
  const receiver = new DispatchStream(
    clock,
    (ack) => {
      if (path.holdAcks) heldAcks.push(ack);
      else if (!path.lose) sender?.receive(ack);
      return true;
    },
    (bytes) => delivered.push(bytes[0] as number),
  );
  sender = new DispatchStream(
    clock,
    (frame) => {
      if (path.refuse) return false;
      path.dataFrames++;
      if (!path.lose) receiver.receive(frame);
      return true;
    },
    () => {},
    options,
  );
  const send = (from: number, to: number) => {
    for (let n = from; n < to; n++) expect(sender?.send(Uint8Array.of(n))).toBe(true);
  };
  return { clock, path, delivered, sender, receiver, send };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('DispatchStream retransmission', () => {
  it('keeps a message the path refused and sends it, in order, once the path takes frames again', () => {
    const { clock, path, delivered, sender, send } = pair();
    send(0, 2);
    path.refuse = true;
    send(2, 5); // refused by the path, yet taken: they go later
    path.refuse = false;
    send(5, 6); // the refused ones go first, then this one
    expect(delivered).toEqual(range(0, 6));
    clock.advance(1_000);
    expect(sender.unacked).toBe(0);
  });

  it('sends refused messages on its own, from a timer, when nothing else is sent', () => {
    const { clock, path, delivered, send } = pair();
    path.refuse = true;
    send(0, 3);
    path.refuse = false;
    expect(delivered).toEqual([]);
    clock.advance(1_000);
    expect(delivered).toEqual([0, 1, 2]);
  });

  it('sends again what the path lost when no ack comes, backing off to 8 s; duplicates are dropped', () => {
    const { clock, path, delivered, sender, send } = pair();
    path.lose = true;
    send(0, 3);
    expect(path.dataFrames).toBe(3);
    const sentAt = (ms: number) => {
      clock.advance(ms);
      return path.dataFrames;
    };
    // Retransmissions after 1 s, then 2, 4, 8, 8 s more: each sends the three again.
    expect([sentAt(999), sentAt(1), sentAt(2_000), sentAt(4_000), sentAt(8_000), sentAt(8_000)]).toEqual([
      3, 6, 9, 12, 15, 18,
    ]);
    path.lose = false;
    clock.advance(8_000);
    expect(delivered).toEqual([0, 1, 2]);
    clock.advance(200);
    expect(sender.unacked).toBe(0);
    // A late duplicate of an old frame changes nothing.
    sender.resend();
    expect(delivered).toEqual([0, 1, 2]);
  });

  it('goes back to a 1 s wait once acks flow again', () => {
    const { clock, path, sender, send } = pair();
    path.lose = true;
    send(0, 1);
    clock.advance(1_000 + 2_000 + 4_000); // three retransmissions: the next wait is 8 s
    path.lose = false;
    clock.advance(8_000 + 200);
    expect(sender.unacked).toBe(0);
    path.lose = true;
    const before = path.dataFrames;
    send(1, 2);
    clock.advance(1_000);
    expect(path.dataFrames).toBe(before + 2); // sent, and sent again after 1 s
  });

  it('starts the wait afresh at 1 s once the path changed, whatever the old one had backed off to', () => {
    const { clock, path, sender, send } = pair();
    path.lose = true;
    send(0, 1);
    clock.advance(1_000 + 2_000 + 4_000); // three retransmissions: the next wait is 8 s
    clock.advance(500);
    sender.resend(); // a new path: sent on it at once
    const afterChange = path.dataFrames;
    // Lost on the new path too: sent again a second later, not when the old path's 8 s were up.
    clock.advance(1_000);
    expect(path.dataFrames).toBe(afterChange + 1);
    clock.advance(2_000);
    expect(path.dataFrames).toBe(afterChange + 2);
  });

  it('waits while the path cannot deliver, and goes at once when told the path is back', () => {
    let connected = false;
    const { clock, path, delivered, sender, send } = pair({ mayRetransmit: () => connected });
    path.lose = true;
    send(0, 3);
    clock.advance(30_000);
    expect(path.dataFrames).toBe(3); // no duplicates queued for a replay
    connected = true;
    path.lose = false;
    sender.resend(); // a resync: everything unacked again, now
    expect(delivered).toEqual([0, 1, 2]);
  });

  it('keeps no timer while the path cannot deliver, and waits for an ack again once told it is back', () => {
    let connected = false;
    const { clock, path, delivered, sender, send } = pair({ mayRetransmit: () => connected });
    path.lose = true;
    send(0, 3);
    clock.advance(1_000);
    // A timer armed again and again here fired every second for as long as nothing could be delivered:
    // for ever in a closed client.
    expect(clock.pendingTimers).toBe(0);
    clock.advance(30_000);
    expect(path.dataFrames).toBe(3);
    connected = true;
    path.lose = false;
    sender.flush(); // a resume without a resync: nothing was refused, the wait starts again
    expect(delivered).toEqual([]);
    clock.advance(1_000);
    expect(delivered).toEqual([0, 1, 2]);
    clock.advance(200);
    expect(sender.unacked).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('sends a long backlog again in bursts paced by the acks, not all at once', () => {
    const { clock, path, delivered, sender, send } = pair();
    path.lose = true;
    send(0, 200);
    path.lose = false;
    path.holdAcks = true; // acks reach the sender only when the test lets them
    const before = path.dataFrames;
    clock.advance(1_000);
    expect(path.dataFrames - before).toBe(64); // the first burst of the retransmission
    expect(delivered).toEqual(range(0, 64));
    path.releaseAcks(); // each ack that shows progress lets another burst go
    path.holdAcks = false;
    path.releaseAcks();
    expect(delivered).toEqual(range(0, 200));
    clock.advance(200);
    expect(sender.unacked).toBe(0);
  });

  it('leaves no timer behind once everything is acked, or once closed', () => {
    const { clock, path, sender, receiver, send } = pair();
    send(0, 5);
    clock.advance(200);
    expect(sender.unacked).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    path.lose = true;
    send(5, 6);
    expect(clock.pendingTimers).toBeGreaterThan(0);
    sender.close();
    receiver.close();
    expect(clock.pendingTimers).toBe(0);
  });
});
