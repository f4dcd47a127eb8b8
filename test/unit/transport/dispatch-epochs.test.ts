import { ManualClock } from 'vehikill-net/server';
import {
  DispatchStream,
  type DispatchStreamOptions,
  epochNewer,
  RELAY_CONTROL,
  RelayLink,
  StreamFollower,
} from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { encodeDispatchAck, encodeDispatchData } from '../../../src/transport/dispatch-frames.js';
import { encodeGoodbye, readControl } from '../../../src/transport/keepalive.js';

describe('StreamFollower', () => {
  it('takes the first stream it sees, then only that one, and starts over on a newer one', () => {
    const follower = new StreamFollower();
    expect(follower.followed).toBeUndefined();
    expect(follower.follow(5)).toBe('take');
    expect(follower.follow(5)).toBe('take');
    expect(follower.follow(4)).toBe('drop');
    expect(follower.follow(6)).toBe('restart');
    expect(follower.followed).toBe(6);
    expect(follower.follow(5)).toBe('drop');
    expect(follower.follow(6)).toBe('take');
  });

  it('drops the stream a link before it took, and older ones, even before it follows any', () => {
    const follower = new StreamFollower(9);
    expect(follower.follow(9)).toBe('drop');
    expect(follower.follow(3)).toBe('drop');
    expect(follower.followed).toBeUndefined();
    expect(follower.follow(10)).toBe('take');
  });

  it('counts epochs round the circle: 0 is newer than 255, and half a circle ahead is not newer', () => {
    expect(epochNewer(0, 255)).toBe(true);
    expect(epochNewer(255, 0)).toBe(false);
    expect(epochNewer(1, 1)).toBe(false);
    expect(epochNewer(127, 0)).toBe(true);
    expect(epochNewer(128, 0)).toBe(false);
    const follower = new StreamFollower(255);
    expect(follower.follow(255)).toBe('drop');
    expect(follower.follow(0)).toBe('take');
    expect(follower.follow(1)).toBe('restart');
  });
});

/** A receiving stream of epoch 1 (ours), fed frames by the test; what it acks is kept. */
function receiver(options: DispatchStreamOptions = {}) {
  const clock = new ManualClock();
  const delivered: number[] = [];
  const acks: Uint8Array[] = [];
  const stream = new DispatchStream(
    clock,
    (frame) => {
      acks.push(frame);
      return true;
    },
    (bytes) => delivered.push(bytes[0] as number),
    { epoch: 1, ...options },
  );
  return { clock, stream, delivered, acks };
}

describe('DispatchStream epochs', () => {
  it("drops the retired stream's frames still on their way, and takes the new stream's from 1", () => {
    // The peer's old link (epoch 3) sent 1..3 before it heard our goodbye; its new link (epoch 4) sends 1..3.
    const { stream, delivered, acks, clock } = receiver({ retiredPeerEpoch: 3 });
    for (let seq = 1; seq <= 3; seq++) stream.receive(encodeDispatchData(3, seq, Uint8Array.of(10 + seq)));
    for (let seq = 1; seq <= 3; seq++) stream.receive(encodeDispatchData(4, seq, Uint8Array.of(20 + seq)));
    expect(delivered).toEqual([21, 22, 23]);
    clock.advance(200);
    // Acked as the new stream's, never as the retired one's.
    expect(acks.map((ack) => [...ack])).toEqual([[0x06, 4, 3]]);
    stream.close();
  });

  it('starts over on a newer stream of the peer, and drops what comes late of the older', () => {
    const { stream, delivered, acks, clock } = receiver();
    for (let seq = 1; seq <= 5; seq++) stream.receive(encodeDispatchData(7, seq, Uint8Array.of(seq)));
    stream.receive(encodeDispatchData(8, 2, Uint8Array.of(82))); // early: held for 1
    stream.receive(encodeDispatchData(7, 6, Uint8Array.of(6))); // the older stream, late: dropped
    stream.receive(encodeDispatchData(8, 1, Uint8Array.of(81)));
    expect(delivered).toEqual([1, 2, 3, 4, 5, 81, 82]);
    clock.advance(200);
    expect(acks.map((ack) => [...ack]).at(-1)).toEqual([0x06, 8, 2]);
    stream.close();
  });

  it("takes acks of its own stream only: an older link's ack does not ack the new stream's numbers", () => {
    const clock = new ManualClock();
    const written: Uint8Array[] = [];
    const stream = new DispatchStream(
      clock,
      (frame) => {
        written.push(frame);
        return true;
      },
      () => {},
      { epoch: 2 },
    );
    for (let n = 1; n <= 3; n++) stream.send(Uint8Array.of(n));
    expect([...(written[0] as Uint8Array)]).toEqual([0x08, 2, 1, 1]);
    stream.receive(encodeDispatchAck(1, 3)); // the peer acking our link before this one, up to 3
    expect(stream.unacked).toBe(3);
    expect(stream.peerTookOurs).toBe(false);
    stream.receive(encodeDispatchAck(2, 2));
    expect(stream.unacked).toBe(1);
    expect(stream.peerTookOurs).toBe(true);
    stream.close();
  });
});

describe('relay goodbyes', () => {
  it('name the stream the closing link took, one byte; a longer one is malformed', () => {
    expect([...encodeGoodbye()]).toEqual([3]);
    expect([...encodeGoodbye(200)]).toEqual([3, 200]);
    expect(readControl(encodeGoodbye())).toEqual({ type: 'bye', followed: undefined });
    expect(readControl(encodeGoodbye(200))).toEqual({ type: 'bye', followed: 200 });
    expect(readControl(Uint8Array.of(3, 1, 2))).toBeUndefined();
  });

  it('close a relay link only when meant for it', () => {
    const clock = new ManualClock();
    const sent: number[][] = [];
    const link = new RelayLink(
      'peer',
      { clock, send: (channel, bytes) => sent.push([channel, ...bytes]) },
      { keepaliveAtOnce: false },
    );
    link.markGoodbyes({ followed: () => 5, isForUs: (followed) => followed === 9 });
    link.receive(RELAY_CONTROL, encodeGoodbye(8), 0);
    link.receive(RELAY_CONTROL, encodeGoodbye(), 0);
    expect(link.state).toBe('relayed');
    expect(link.ignoredGoodbyes).toBe(2);
    link.receive(RELAY_CONTROL, encodeGoodbye(9), 0);
    expect(link.state).toBe('closed');
    // Its own goodbye (none: it closed on the peer's) would have named the stream it took.
    const other = new RelayLink(
      'peer',
      { clock, send: (channel, bytes) => sent.push([channel, ...bytes]) },
      { keepaliveAtOnce: false },
    );
    other.markGoodbyes({ followed: () => 5, isForUs: () => true });
    other.close();
    expect(sent.at(-1)).toEqual([RELAY_CONTROL, 3, 5]);
  });
});
