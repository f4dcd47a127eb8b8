import {
  decodeAck,
  encodeAck,
  frameView,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { type Chain, checkComplete, glide, Link, registry, seededRandom, world } from './harness.js';

/**
 * Four clients sharing one view of 24 moving cars, each car going out of view and back now and then
 * (`toggle` a tick), 10 % of messages and acks lost, messages one or two ticks late. Every chain decodes
 * without a resync and every complete snapshot applied leaves its client with the view's frame. Answers
 * the late fills.
 */
function run(seed: number, toggle: number): number {
  const random01 = seededRandom(seed);
  const table = world(24);
  const ids = Array.from({ length: 24 }, (_, id) => id);
  const shared = new SharedSnapshots(registry);
  const clients = Array.from({ length: 4 }, () => ({
    encoder: new SnapshotEncoder(registry, { shared, resend: true }),
    decoder: new SnapshotDecoder(registry, { resent: true }),
    snapshots: new Link<Chain>(),
    acks: new Link<Uint8Array>(),
  }));
  const frames = new Map<number, WorldFrame>();
  const inView = new Set(ids.filter(() => random01() < 0.7));
  let filled = 0;
  for (let tick = 0; tick < 150; tick++) {
    glide(table, ids, tick);
    for (const id of ids) {
      if (random01() >= toggle) continue;
      if (inView.has(id)) inView.delete(id);
      else inView.add(id);
    }
    const frame = frameView(table.frame(tick), (id) => inView.has(id));
    frames.set(tick, frame);
    for (const client of clients) {
      const snapshot = client.encoder.encode(frame);
      const chain = { resent: snapshot.resent?.slice(), bytes: snapshot.bytes.slice() };
      client.snapshots.send(tick, chain, random01() < 0.1, random01() < 0.7 ? 1 : 2);
    }
    for (const client of clients) {
      for (const chain of client.snapshots.deliver(tick)) {
        if (chain.resent !== undefined) {
          const first = client.decoder.decodeResent(chain.resent);
          expect(first.kind, `seed ${seed}, tick ${tick}`).not.toBe('resync');
          if (first.kind === 'filled') filled++;
        }
        const outcome = client.decoder.decode(chain.bytes);
        expect(outcome.kind, `seed ${seed}, tick ${tick}`).not.toBe('resync');
        if (outcome.kind === 'applied' && outcome.complete) {
          checkComplete(client.decoder, frames.get(outcome.tick) as WorldFrame);
        }
        client.acks.send(tick, encodeAck(client.decoder.ack()), random01() < 0.1, random01() < 0.5 ? 0 : 1);
      }
      for (const ack of client.acks.deliver(tick)) client.encoder.receiveAck(decodeAck(ack));
    }
  }
  return filled;
}

describe('resent snapshots with views', () => {
  it('fill in entities that go out of view and come back, and remove none that stayed', () => {
    let filled = 0;
    for (let seed = 1; seed <= 12; seed++) filled += run(seed, seed % 3 === 0 ? 0.2 : 0.08);
    expect(filled).toBeGreaterThan(0);
  });
});
