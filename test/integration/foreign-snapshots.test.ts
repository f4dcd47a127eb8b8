/**
 * State-sync snapshots decoded by a client written from docs/sync.md alone
 * (test/support/foreign-snapshots.ts), carried by the wire-protocol client written from docs/protocol.md
 * alone (test/support/foreign-client.ts), against the real server. When one of these tests fails, either
 * the server or the document changed: the other must follow.
 */
import { type Channel, Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { angle, bool, codesToState, entity, enumOf, float, int, string, vec2 } from 'vehikill-net/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { K } from '../support/foreign-client.js';
import { foreignGame } from '../support/foreign-game.js';
import {
  firstSnapshot,
  foreignWorld,
  hex,
  pump,
  until,
  type World,
} from '../support/foreign-snapshot-feed.js';
import { Bits, ForeignSnapshotDecoder, type Outcome, type TypeDecl } from '../support/foreign-snapshots.js';

// ---------------------------------------------------------------------------------------------------
// The server side: the real library.
// ---------------------------------------------------------------------------------------------------

const MODES = ['idle', 'drive', 'drift'] as const;
const Car = entity('car', {
  pos: vec2({ min: -100, max: 100, precision: 0.05 }),
  heading: angle({ bits: 10 }),
  hp: int({ min: 0, max: 100 }),
  boost: bool(),
  mode: enumOf([...MODES]),
  speed: float({ min: 0, max: 50, precision: 0.1 }),
});
const Crate = entity('crate', { kind: int({ min: 0, max: 3 }), weight: int({ min: 10, max: 20 }) });

/** The same types as the client declares them, from the document's field table. */
const FOREIGN_TYPES: TypeDecl[] = [
  {
    name: 'car',
    fields: [
      ['pos', { kind: 'vec2', min: -100, max: 100, precision: 0.05 }],
      ['heading', { kind: 'angle', bits: 10 }],
      ['hp', { kind: 'int', min: 0, max: 100 }],
      ['boost', { kind: 'bool' }],
      ['mode', { kind: 'enum', values: [...MODES] }],
      ['speed', { kind: 'float', min: 0, max: 50, precision: 0.1 }],
    ],
  },
  {
    name: 'crate',
    fields: [
      ['kind', { kind: 'int', min: 0, max: 3 }],
      ['weight', { kind: 'int', min: 10, max: 20 }],
    ],
  },
];

function carAt(tick: number, i: number) {
  return {
    pos: { x: -80 + ((tick * 1.37 + i * 20) % 160), y: 30 * Math.sin(tick / 10 + i) },
    heading: tick * 0.1 + i,
    hp: 100 - ((tick + i * 7) % 101),
    boost: (tick + i) % 4 === 0,
    mode: MODES[Math.floor(tick / 10 + i) % 3]!,
    speed: (tick * 0.7 + i) % 50,
  };
}

let liveRoom: SnapshotRoom | undefined;

/** Cars moving every tick, crates spawned and removed, a car removed and another spawned. */
class SnapshotRoom extends Room {
  sync!: RoomSync;
  tick = 0;
  readonly cars = new Map<number, number>(); // id -> motion index
  readonly crates: number[] = [];
  /** The world as each flushed tick left it, quantized: what the client should see. */
  readonly history = new Map<number, World>();
  override onCreate(): void {
    liveRoom = this;
    // The document's own option for snapshots that are never deflated: `deflateAboveBytes` Infinity.
    this.sync = new RoomSync(this, { types: [Car, Crate], rateHz: 50, deflateAboveBytes: Infinity });
    for (let i = 0; i < 3; i++) this.cars.set(this.sync.world.spawn(Car, carAt(0, i)), i);
    this.clock.setInterval(() => this.step(), 20);
  }
  step(): void {
    const world = this.sync.world;
    this.tick++;
    for (const [id, i] of this.cars) world.update(id, Car, carAt(this.tick, i));
    if (this.tick % 5 === 0)
      this.crates.push(world.spawn(Crate, { kind: this.tick % 4, weight: 10 + (this.tick % 11) }));
    if (this.tick % 7 === 0 && this.crates.length > 2) world.remove(this.crates.shift()!);
    if (this.tick % 40 === 20) {
      const [first] = this.cars.keys();
      world.remove(first!);
      this.cars.delete(first!);
      this.cars.set(world.spawn(Car, carAt(this.tick, this.tick)), this.tick);
    }
    const snapshot: World = new Map();
    for (const id of [...this.cars.keys(), ...this.crates]) {
      const record = world.get(id)!;
      snapshot.set(id, { type: record.type.name, state: codesToState(record.type, record.codes) });
    }
    this.history.set(this.tick, snapshot);
    this.sync.flush(this.tick);
  }
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }
}

const Sign = entity('sign', { text: string({ maxLength: 200 }), n: int({ min: 0, max: 1000 }) });
const SIGN_TYPES: TypeDecl[] = [
  {
    name: 'sign',
    fields: [
      ['text', { kind: 'string', maxLength: 200 }],
      ['n', { kind: 'int', min: 0, max: 1000 }],
    ],
  },
];
let signRoom: SignRoom | undefined;

/** Signs of long, repetitive text (one not ASCII), their counters moving: a first snapshot that deflates. */
class SignRoom extends Room {
  sync!: RoomSync;
  tick = 0;
  readonly ids: number[] = [];
  readonly history = new Map<number, World>();
  override onCreate(): void {
    signRoom = this;
    // The default `deflateAboveBytes` (512): the full states are over it and shrink.
    this.sync = new RoomSync(this, { types: [Sign], rateHz: 50 });
    for (let i = 0; i < 6; i++) {
      const text = i === 0 ? 'Александра Петрова 🚗 '.repeat(4) : `Welcome to arena ${i}! `.repeat(8);
      this.ids.push(this.sync.world.spawn(Sign, { text, n: i }));
    }
    this.clock.setInterval(() => {
      this.tick++;
      const world = this.sync.world;
      const snapshot: World = new Map();
      for (const id of this.ids) {
        const record = world.get(id)!;
        world.update(id, Sign, { ...codesToState(Sign, record.codes), n: (this.tick + id) % 1001 });
        snapshot.set(id, { type: 'sign', state: codesToState(Sign, world.get(id)!.codes) });
      }
      this.history.set(this.tick, snapshot);
      this.sync.flush(this.tick);
    }, 20);
  }
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }
}

const game = foreignGame({ snapshots: SnapshotRoom, signs: SignRoom }, { heartbeatMs: 100 });

afterEach(() => {
  liveRoom = undefined;
  signRoom = undefined;
});

async function joinSnapshotRoom(type = 'snapshots') {
  const { client } = await game.open(await game.start(), 'Native');
  const joined = await client.request(K.CreateRoom, { type });
  return { client, membership: (joined.result as { membership: number }).membership };
}

// ---------------------------------------------------------------------------------------------------

describe('a client decoding snapshots from docs/sync.md alone', () => {
  it("decodes the document's golden ship and rock snapshots and acks them as it says", () => {
    const decoder = new ForeignSnapshotDecoder([
      {
        name: 'ship',
        fields: [
          ['hp', { kind: 'int', min: 0, max: 100 }],
          ['shield', { kind: 'bool' }],
        ],
      },
      { name: 'rock', fields: [['size', { kind: 'int', min: 0, max: 3 }]] },
    ]);
    expect(decoder.fingerprint).toBe(0xe475ba96);
    expect(decoder.ack()).toEqual(Uint8Array.of(0)); // "A client that has applied nothing acks 00"
    expect(decoder.decode(hex('000003010759ead691638ff36f2428ffd5625628')).kind).toBe('applied');
    expect([...decoder.entities.keys()]).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map((id) => decoder.stateOf(id))).toEqual([
      { hp: 100, shield: true },
      { size: 2 },
      { hp: 50, shield: false },
      { hp: 20, shield: false },
    ]);
    expect(decoder.decode(hex('010003010803260353690f0c2e1102')).kind).toBe('applied');
    expect(decoder.entities.has(1)).toBe(false);
    expect([decoder.stateOf(2)?.hp, decoder.stateOf(3)?.hp]).toEqual([49, 19]);
    const third = decoder.decode(hex('020003010903f0f5d0b807f4'));
    expect(third.kind === 'applied' && third.removals).toEqual([1]); // left the view
    expect([...decoder.entities.keys()]).toEqual([2, 3]);
    // `1`, newest 2, previous 3 (seqs 1 and 0 applied), resync 0.
    expect(decoder.ack()).toEqual(hex('05000600000000'));
    // The same snapshot again is stale: not applied, nothing changes.
    expect(decoder.decode(hex('020003010903f0f5d0b807f4')).kind).toBe('stale');
  });

  it("decodes the document's golden jump: relative deltas and a whole code", () => {
    const decoder = new ForeignSnapshotDecoder([
      { name: 'ball', fields: [['x', { kind: 'int', min: 0, max: 1023 }]] },
    ]);
    expect(decoder.decode(hex('0000000001c51cbe455a48d1f11028058a3e')).kind).toBe('applied');
    expect([decoder.stateOf(0), decoder.stateOf(1)]).toEqual([{ x: 10 }, { x: 500 }]);
    const jump = decoder.decode(hex('010000000203ce513609082432fa'));
    expect(jump.header.modes).toEqual([1]);
    expect([decoder.stateOf(0), decoder.stateOf(1)]).toEqual([{ x: 11 }, { x: 1000 }]);
  });

  it('computes the fingerprint the server names in its first snapshot', async () => {
    const { client, membership } = await joinSnapshotRoom();
    const decoder = new ForeignSnapshotDecoder(FOREIGN_TYPES);
    const outcomes: Outcome[] = [];
    const seen = { at: 0 };
    await until(client, 'a first snapshot', () => {
      pump(client, decoder, seen, (o) => outcomes.push(o));
      return outcomes.length > 0;
    });
    const first = outcomes[0]!;
    expect(first.header.acked).toBeUndefined();
    expect(first.header.types).toBe(decoder.fingerprint);
    expect(first.header.stream & 0xff).toBe(membership);
    expect(first.kind).toBe('applied');
  });

  it('decodes the first full snapshot: every entity, its type and quantized values', async () => {
    const { client } = await joinSnapshotRoom();
    const decoder = new ForeignSnapshotDecoder(FOREIGN_TYPES);
    const first = await firstSnapshot(client, decoder);
    if (first?.kind !== 'applied') throw new Error(`first snapshot not applied: ${first?.kind}`);
    expect(first.header.complete).toBe(1);
    expect(first.fulls).toBe(decoder.entities.size);
    expect(decoder.entities.size).toBeGreaterThanOrEqual(3);
    expect(foreignWorld(decoder)).toEqual(liveRoom!.history.get(first.header.tick));
  });

  it('follows deltas, creations and removals, equal to the server world after each snapshot', async () => {
    const { client } = await joinSnapshotRoom();
    const decoder = new ForeignSnapshotDecoder(FOREIGN_TYPES);
    const seen = { at: 0 };
    let applied = 0;
    let deltas = 0;
    let acked = 0;
    let removals = 0;
    const ids = new Set<number>();
    const failures: string[] = [];
    await until(client, '60 applied snapshots with creations and removals', () => {
      pump(client, decoder, seen, (outcome) => {
        if (outcome.kind === 'resync') failures.push(`resync at seq ${outcome.header.seq}: ${outcome.why}`);
        if (outcome.kind !== 'applied') return;
        applied++;
        if (outcome.header.acked !== undefined) acked++;
        if (outcome.fulls === 0 && outcome.header.acked !== undefined) deltas++;
        removals += outcome.removals.length;
        for (const id of decoder.entities.keys()) ids.add(id);
        expect(outcome.header.complete).toBe(1);
        expect(foreignWorld(decoder)).toEqual(liveRoom!.history.get(outcome.header.tick));
      });
      return applied >= 60 && removals >= 4;
    });
    expect(failures).toEqual([]);
    // The acks were heard: snapshots named an acked one and came as deltas against it.
    expect(acked).toBeGreaterThan(50);
    expect(deltas).toBeGreaterThan(10);
    expect(ids.size).toBeGreaterThan(6); // entities created while the client watched
  });

  it('refuses a snapshot whose checksum does not match, asks for a resync, and gets full states', async () => {
    const { client } = await joinSnapshotRoom();
    const decoder = new ForeignSnapshotDecoder(FOREIGN_TYPES);
    const seen = { at: 0 };
    let applied = 0;
    let damaged: Outcome | undefined;
    let before: unknown;
    let healed = false;
    await until(client, 'a damaged snapshot refused, then full states applied', () => {
      pump(
        client,
        decoder,
        seen,
        (outcome) => {
          if (outcome.kind === 'resync' && !damaged) {
            damaged = outcome;
            expect(foreignWorld(decoder)).toEqual(before);
            expect(decoder.ack()[6]! >> 1).toBe(1); // the resync bit, the ack's 50th
          }
          if (outcome.kind !== 'applied') return;
          applied++;
          expect(foreignWorld(decoder)).toEqual(liveRoom!.history.get(outcome.header.tick));
          if (damaged && outcome.fulls === decoder.entities.size) healed = true;
        },
        (bytes) => {
          if (applied !== 10 || damaged) return bytes;
          before = foreignWorld(decoder);
          return flipChecksumBit(decoder, bytes);
        },
      );
      return healed && applied >= 15;
    });
    expect(damaged?.kind === 'resync' && damaged.why).toBe('checksum');
  });
});

/** The snapshot with one bit of its header's checksum flipped: everything else still parses. */
function flipChecksumBit(decoder: ForeignSnapshotDecoder, bytes: Uint8Array): Uint8Array {
  const header = decoder.readHeader(new Bits(bytes));
  const copy = bytes.slice();
  copy[header.checksumAt >> 3]! ^= 1 << (header.checksumAt & 7);
  return copy;
}

describe('a client decoding snapshots from docs/sync.md alone, losing some', () => {
  it('fills a lost snapshot from the chain that resends it, and applies the predicted deltas after it', async () => {
    const { client } = await joinSnapshotRoom();
    const decoder = new ForeignSnapshotDecoder(FOREIGN_TYPES);
    const seen = { at: 0 };
    let messages = 0;
    let applied = 0;
    const filled: number[] = [];
    const failures: string[] = [];
    await until(client, '80 snapshots applied with 8 messages lost', () => {
      pump(
        client,
        decoder,
        seen,
        (outcome) => {
          if (outcome.kind === 'resync') failures.push(`resync at seq ${outcome.header.seq}: ${outcome.why}`);
          if (outcome.kind === 'filled') {
            filled.push(outcome.header.seq);
            // Its bit is set in the ack: bit i of `previous` is seq newest − 1 − i.
            const bit = 17 + ((decoder.newest! - 1 - outcome.header.seq) & 0xffff);
            expect((decoder.ack()[bit >> 3]! >> (bit & 7)) & 1).toBe(1);
          }
          if (outcome.kind !== 'applied') return;
          applied++;
          expect(foreignWorld(decoder)).toEqual(liveRoom!.history.get(outcome.header.tick));
        },
        undefined,
        () => ++messages % 7 === 3, // one message in seven lost, from the third on
      );
      return applied >= 80 && messages >= 56;
    });
    expect(failures).toEqual([]);
    // How the server made up for the losses: the lost snapshots sent again, ahead of deltas needing them.
    expect(filled.length).toBeGreaterThan(0);
  });
});

describe('a client decoding snapshots from docs/sync.md alone, with text', () => {
  it('inflates a deflated first snapshot and reads its strings, then follows the deltas', async () => {
    const { client } = await joinSnapshotRoom('signs');
    const decoder = new ForeignSnapshotDecoder(SIGN_TYPES);
    const seen = { at: 0 };
    let applied = 0;
    const failures: string[] = [];
    await until(client, '20 snapshots applied', () => {
      pump(client, decoder, seen, (outcome) => {
        if (outcome.kind === 'resync') failures.push(`resync at seq ${outcome.header.seq}: ${outcome.why}`);
        if (outcome.kind !== 'applied') return;
        applied++;
        expect(foreignWorld(decoder)).toEqual(signRoom!.history.get(outcome.header.tick));
      });
      return applied >= 20;
    });
    expect(failures).toEqual([]);
    const tags = client.frames
      .filter((f) => f.kind === K.DatagramFromServer && f.body.c === 0)
      .map((f) => (f.body.p as Uint8Array)[0]);
    expect(tags[0]).toBe(2); // the first, full states of long text, went deflated
    expect(decoder.stateOf(0)?.text).toBe('Александра Петрова 🚗 '.repeat(4));
  });
});
