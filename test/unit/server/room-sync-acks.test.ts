import { Channel } from 'vehikill-net/client';
import { CountingMetrics, ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import { encodeAckFrame, entity, int, type SnapshotAck, SyncTag } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

/*
 * Inputs carry the ack of the newest snapshot, and most carry the same one as the input before: RoomSync
 * does not decode those again. What the room gets back and what the stats say must not tell the difference.
 */
function setup() {
  const clock = new ManualClock();
  const client = { playerId: 'a', userId: 'a', name: 'a', away: false, rttMs: 0 } as unknown as RoomClient;
  const sent: Uint8Array[] = [];
  const metrics = new CountingMetrics();
  const sync = new RoomSync(
    { clients: [client], clock },
    // The first snapshot's seq is 0 (it is drawn from `random`), as the acks below name it.
    { types: [Dot], metrics, random: () => 0, send: (_client, bytes) => sent.push(bytes) },
  );
  for (let x = 0; x < 8; x++) sync.world.spawn(Dot, { x });
  return { clock, client, sent, sync, metrics };
}

const ack0: SnapshotAck = { newest: 0, previous: 0, resync: false };

describe('RoomSync with repeated acks', () => {
  it('hands back every input carrying the same ack, and counts each ack', () => {
    const { sync, client, sent, clock } = setup();
    sync.flush(1);
    const full = sent.at(-1)?.length ?? 0;
    for (let input = 0; input < 5; input++) {
      const app = sync.receive(client, Channel.phys, encodeAckFrame(ack0, Uint8Array.of(input, 42)));
      expect(app).toEqual(Uint8Array.of(input, 42));
    }
    expect(sync.receive(client, Channel.phys, encodeAckFrame(ack0))).toBeUndefined();
    expect(sync.stats()).toMatchObject({ acksReceived: 6, badFrames: 0 });
    // The ack was taken: nothing changed, so the next snapshot is far smaller than the full one.
    clock.advance(50);
    sync.flush(2);
    expect(sent.at(-1)?.length).toBeLessThan(full / 2);
  });

  it('still rejects a frame whose ack bytes repeat but whose framing is broken', () => {
    const { sync, client } = setup();
    sync.flush(1);
    const good = encodeAckFrame(ack0, Uint8Array.of(1));
    expect(sync.receive(client, Channel.phys, good)).toEqual(Uint8Array.of(1));
    // The length byte says more ack than the message has.
    const cut = good.slice(0, 2 + (good[1] as number) - 1);
    expect(sync.receive(client, Channel.phys, cut)).toBeUndefined();
    // The same ack bytes behind an unknown tag, or an ack-only frame with bytes after the ack.
    const unknown = good.slice();
    unknown[0] = 9;
    expect(sync.receive(client, Channel.phys, unknown)).toBeUndefined();
    const ackOnly = encodeAckFrame(ack0);
    const padded = Uint8Array.of(...ackOnly, 0);
    expect(padded[0]).toBe(SyncTag.ack);
    expect(sync.receive(client, Channel.phys, padded)).toBeUndefined();
    expect(sync.stats()).toMatchObject({ acksReceived: 1, badFrames: 3 });
  });

  it('decodes an ack that differs from the one before, and hears a resync after repeats', () => {
    const { sync, client, sent, clock } = setup();
    sync.flush(1);
    const full = sent.at(-1)?.length ?? 0;
    sync.receive(client, Channel.phys, encodeAckFrame(ack0, Uint8Array.of(1)));
    sync.receive(client, Channel.phys, encodeAckFrame(ack0, Uint8Array.of(2)));
    clock.advance(50);
    sync.flush(2);
    expect(sent.at(-1)?.length).toBeLessThan(full / 2);
    const resync: SnapshotAck = { newest: 1, previous: 1, resync: true };
    expect(sync.receive(client, Channel.phys, encodeAckFrame(resync, Uint8Array.of(3)))).toEqual(
      Uint8Array.of(3),
    );
    clock.advance(50);
    sync.flush(3);
    expect(sent.at(-1)?.length).toBe(full);
  });

  it('takes a new ack on every input, and a broken one changes nothing it remembers', () => {
    const { sync, client } = setup();
    sync.flush(1);
    const acks = [ack0, { newest: 0, previous: 0, resync: true }];
    for (let input = 0; input < 6; input++) {
      const frame = encodeAckFrame(acks[input % 2]!, Uint8Array.of(input));
      expect(sync.receive(client, Channel.phys, frame)).toEqual(Uint8Array.of(input));
    }
    // An input with an ack and no app bytes of its own hands back none.
    expect(sync.receive(client, Channel.phys, encodeAckFrame(ack0, new Uint8Array(0)))).toEqual(
      new Uint8Array(0),
    );
    // A new ack with a padding bit set is refused; the ack before it is still the one repeats match.
    const broken = encodeAckFrame({ newest: 0, previous: 7, resync: false }, Uint8Array.of(9));
    broken[2 + 6]! |= 0x80;
    expect(sync.receive(client, Channel.phys, broken)).toBeUndefined();
    expect(sync.receive(client, Channel.phys, encodeAckFrame(ack0, Uint8Array.of(8)))).toEqual(
      Uint8Array.of(8),
    );
    expect(sync.stats()).toMatchObject({ acksReceived: 8, badFrames: 1 });
  });
});
