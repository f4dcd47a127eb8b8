import {
  decodeAck,
  type EncodedSnapshot,
  encodeAck,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { type Chain, checkComplete, glide, Link, registry, seededRandom, world } from './harness.js';

interface Client {
  readonly encoder: SnapshotEncoder;
  readonly decoder: SnapshotDecoder;
  readonly snapshots: Link<Chain>;
  readonly acks: Link<Uint8Array>;
  readonly sent: EncodedSnapshot[];
}

interface Run {
  readonly clients: number;
  readonly ticks: number;
  readonly resend: boolean;
  /** Whether client `client`'s snapshot (or its ack, `ack`) of `tick` is lost. */
  readonly lost: (client: number, tick: number, ack: boolean) => boolean;
}

/**
 * Clients of one world, 32 moving cars, acks arriving two ticks after their snapshot (100 ms at 20 Hz).
 * Every chain is decoded (the resent snapshot first); no decode may need a resync, and each complete
 * snapshot applied leaves the client with its frame. Answers the bodies built per tick after the first
 * ten, and the clients.
 */
function run({ clients, ticks, resend, lost }: Run) {
  const table = world(32);
  const ids = Array.from({ length: 32 }, (_, id) => id);
  const shared = new SharedSnapshots(registry);
  const all: Client[] = Array.from({ length: clients }, () => ({
    encoder: new SnapshotEncoder(registry, { shared, resend }),
    decoder: new SnapshotDecoder(registry, { resent: resend }),
    snapshots: new Link<Chain>(),
    acks: new Link<Uint8Array>(),
    sent: [],
  }));
  const frames = new Map<number, WorldFrame>();
  let bodiesFrom = 0;
  let reusedFrom = 0;
  let chains = 0;
  for (let tick = 0; tick < ticks; tick++) {
    if (tick === 10) ({ bodies: bodiesFrom, reused: reusedFrom } = shared.stats);
    glide(table, ids, tick);
    const frame = table.frame(tick);
    frames.set(tick, frame);
    all.forEach((client, index) => {
      const snapshot = client.encoder.encode(frame);
      client.sent.push(snapshot);
      if (snapshot.resent !== undefined) chains++;
      const chain = { resent: snapshot.resent?.slice(), bytes: snapshot.bytes.slice() };
      client.snapshots.send(tick, chain, lost(index, tick, false), 1);
    });
    all.forEach((client, index) => {
      for (const chain of client.snapshots.deliver(tick)) {
        if (chain.resent !== undefined)
          expect(client.decoder.decodeResent(chain.resent).kind).not.toBe('resync');
        const outcome = client.decoder.decode(chain.bytes);
        expect(outcome.kind).not.toBe('resync');
        if (outcome.kind === 'applied' && outcome.complete) {
          checkComplete(client.decoder, frames.get(outcome.tick) as WorldFrame);
        }
        client.acks.send(tick, encodeAck(client.decoder.ack()), lost(index, tick, true), 1);
      }
      for (const ack of client.acks.deliver(tick)) client.encoder.receiveAck(decodeAck(ack));
    });
  }
  const perTick = (count: number) => count / (ticks - 10);
  const { bodies, reused } = shared.stats;
  return {
    bodiesPerTick: perTick(bodies - bodiesFrom),
    reusedPerTick: perTick(reused - reusedFrom),
    chains,
    clients: all,
  };
}

describe('resent snapshots (chains)', () => {
  it('sends a lost snapshot again ahead of the body its step needs, and builds no body for the loser', () => {
    const lostTick = 20;
    const result = run({
      clients: 4,
      ticks: 40,
      resend: true,
      lost: (client, tick, ack) => client === 0 && tick === lostTick && !ack,
    });
    const loser = result.clients[0] as Client;
    // The others' acks of tick 20 come after tick 22 is encoded: tick 23's body is against tick 20, and
    // goes to the loser with tick 20 sent again, the very bytes, ahead of it. The tick after, its step is
    // tick 21, and the body's predictor is tick 20: sent again too (the ack saying it was filled in is on
    // its way).
    const lost = loser.sent[lostTick] as EncodedSnapshot;
    expect(loser.sent[lostTick + 3]?.resent).toEqual(lost.bytes);
    expect(loser.sent[lostTick + 4]?.resent).toEqual(lost.bytes);
    // Then its ack shows tick 20 filled in: a step, and nothing goes again.
    for (const snapshot of loser.sent.slice(lostTick + 5)) expect(snapshot.resent).toBeUndefined();
    for (const client of result.clients.slice(1)) {
      for (const snapshot of client.sent) expect(snapshot.resent).toBeUndefined();
    }
    expect(result.bodiesPerTick).toBe(1);
  });

  it('counts a snapshot served from a body built for another client once', () => {
    const result = run({ clients: 4, ticks: 30, resend: true, lost: () => false });
    expect(result.bodiesPerTick).toBe(1);
    expect(result.reusedPerTick).toBe(3);
  });

  it('builds about one body a tick at 5 % loss both ways where resending nothing builds nearly three, every client exact', () => {
    const lose = seededRandom(7);
    const fates = new Map<string, boolean>();
    const lost = (client: number, tick: number, ack: boolean) => {
      const key = `${client}/${tick}/${ack}`;
      let fate = fates.get(key);
      if (fate === undefined) {
        fate = lose() < 0.05;
        fates.set(key, fate);
      }
      return fate;
    };
    const without = run({ clients: 16, ticks: 110, resend: false, lost });
    const chained = run({ clients: 16, ticks: 110, resend: true, lost });
    expect(chained.chains).toBeGreaterThan(0);
    // Seeded, so the same every run: 2.92 and 1.25. What is left is mostly a client that lost an ack and
    // then a snapshot (two frames it lacks; one goes again).
    expect(without.bodiesPerTick).toBeGreaterThan(2.5);
    expect(chained.bodiesPerTick).toBeLessThan(1.3);
  });
});
