/**
 * More of docs/sync.md through the client written from it alone (test/support/foreign-snapshots.ts):
 * vec3, quaternion and list fields, snapshots cut by a byte budget, views and the typesDiffer frame against
 * the real server, and the later-tick rule that ends a stall against the document's bytes and the library.
 * When one of these tests fails, either the server or the document changed: the other must follow.
 */
import { type Channel, Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import {
  codesToState,
  type EntityType,
  entity,
  entityRegistry,
  enumOf,
  int,
  list,
  quaternion,
  SnapshotDecoder,
  string,
  vec3,
} from 'vehikill-net/sync';
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
import {
  Bits,
  ForeignSnapshotDecoder,
  headerHash,
  type Outcome,
  quaternionCode,
  quaternionValue,
  snapshotsIn,
  type TypeDecl,
  typesText,
} from '../support/foreign-snapshots.js';

/** The world of `ids` as the table holds it now, quantized: what a client should see of it. */
function worldOf(sync: RoomSync, ids: Iterable<number>): World {
  const world: World = new Map();
  for (const id of ids) {
    const record = sync.world.get(id)!;
    world.set(id, {
      type: record.type.name,
      state: codesToState(record.type as EntityType, record.codes) as Record<string, unknown>,
    });
  }
  return world;
}

// ---------------------------------------------------------------------------------------------------
// Rooms.
// ---------------------------------------------------------------------------------------------------

const Drone = entity('drone', {
  pos: vec3({ min: -500, max: 500, precision: 0.01 }), // 17 bits a component: relative
  low: vec3({ min: 0, max: 3, precision: 1 }), // 2 bits a component: never relative
  rot: quaternion({ bits: 9 }),
  ammo: list(int({ min: 0, max: 99 }), { maxLength: 4 }),
  tags: list(string({ maxLength: 12 }), { maxLength: 2 }),
  flags: list(enumOf(['a', 'b', 'c']), { maxLength: 3 }),
});
const DRONE_TYPES: TypeDecl[] = [
  {
    name: 'drone',
    fields: [
      ['pos', { kind: 'vec3', min: -500, max: 500, precision: 0.01 }],
      ['low', { kind: 'vec3', min: 0, max: 3, precision: 1 }],
      ['rot', { kind: 'quaternion', bits: 9 }],
      ['ammo', { kind: 'list', element: { kind: 'int', min: 0, max: 99 }, maxLength: 4 }],
      ['tags', { kind: 'list', element: { kind: 'string', maxLength: 12 }, maxLength: 2 }],
      ['flags', { kind: 'list', element: { kind: 'enum', values: ['a', 'b', 'c'] }, maxLength: 3 }],
    ],
  },
];

function droneAt(tick: number, i: number) {
  const half = (tick * 0.05 + i) / 2;
  return {
    pos: { x: 100 * Math.sin(tick / 20 + i), y: tick * 0.37 - 50 * i, z: (i * 77 + tick * 3.1) % 400 },
    low: { x: (tick + i) % 4, y: i % 4, z: Math.floor(tick / 7) % 4 },
    // Turning about an axis that changes with i: every component moves, the dropped one too.
    rot: { x: Math.sin(half) * 0.6, y: Math.sin(half) * (i % 2 ? -0.8 : 0.8), z: 0, w: Math.cos(half) },
    ammo: Array.from({ length: (tick + i) % 5 }, (_, k) => (tick * 3 + k * 40) % 100),
    tags: tick % 9 < 3 ? [] : i % 2 ? ['scout', 'é🚗'] : [`d${i}-${tick % 11}`],
    flags: (['a', 'b', 'c', 'b'] as const).slice(0, (tick + 2 * i) % 4),
  };
}

/** Rooms that record, at each flushed tick, the world its member should hold then. */
abstract class RecordingRoom extends Room {
  static live: RecordingRoom | undefined;
  sync!: RoomSync;
  tick = 0;
  readonly history = new Map<number, World>();
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.sync.receive(client, channel, bytes);
  }
}

class DroneRoom extends RecordingRoom {
  readonly ids: number[] = [];
  override onCreate(): void {
    RecordingRoom.live = this;
    this.sync = new RoomSync(this, { types: [Drone], rateHz: 50, deflateAboveBytes: Infinity });
    for (let i = 0; i < 4; i++) this.ids.push(this.sync.world.spawn(Drone, droneAt(0, i)));
    this.clock.setInterval(() => {
      this.tick++;
      for (const [i, id] of this.ids.entries()) this.sync.world.update(id, Drone, droneAt(this.tick, i));
      this.history.set(this.tick, worldOf(this.sync, this.ids));
      this.sync.flush(this.tick);
    }, 20);
  }
}

const Tag = entity('tag', { name: string({ maxLength: 40 }), n: int({ min: 0, max: 1000 }) });
const TAG_TYPES: TypeDecl[] = [
  {
    name: 'tag',
    fields: [
      ['name', { kind: 'string', maxLength: 40 }],
      ['n', { kind: 'int', min: 0, max: 1000 }],
    ],
  },
];
const TAGS = 40;

/** 40 named tags, one changing a tick, under a 100-byte budget: about 30 bytes a full state. */
class BudgetRoom extends RecordingRoom {
  readonly ids: number[] = [];
  override onCreate(): void {
    RecordingRoom.live = this;
    this.sync = new RoomSync(this, {
      types: [Tag],
      rateHz: 50,
      budgetBytes: 100,
      deflateAboveBytes: Infinity,
    });
    for (let i = 0; i < TAGS; i++)
      this.ids.push(this.sync.world.spawn(Tag, { name: `tag number ${i} of the arena`, n: i }));
    this.clock.setInterval(() => {
      this.tick++;
      const id = this.ids[this.tick % TAGS]!;
      const record = this.sync.world.get(id)!;
      this.sync.world.update(id, Tag, { ...codesToState(Tag, record.codes), n: (this.tick * 7) % 1001 });
      this.history.set(this.tick, worldOf(this.sync, this.ids));
      this.sync.flush(this.tick);
    }, 20);
  }
}

/** Whether tag `i` is in view at `tick`: each out for 6 ticks of every 15, at its own phase. */
const inView = (tick: number, i: number) => (tick + 3 * i) % 15 >= 6;

/** 6 tags moving in and out of the member's view, one destroyed and another spawned now and then. */
class ViewRoom extends RecordingRoom {
  readonly ids: number[] = [];
  spawned = 0;
  override onCreate(): void {
    RecordingRoom.live = this;
    this.sync = new RoomSync(this, {
      types: [Tag],
      rateHz: 50,
      deflateAboveBytes: Infinity,
      visible: (_client, id) => inView(this.tick, this.ids.indexOf(id)),
    });
    for (let i = 0; i < 6; i++) this.spawn();
    this.clock.setInterval(() => {
      this.tick++;
      const world = this.sync.world;
      this.ids.forEach((id, i) => {
        const record = world.get(id)!;
        world.update(id, Tag, { ...codesToState(Tag, record.codes), n: (this.tick + i * 100) % 1001 });
      });
      if (this.tick % 25 === 0) {
        // Replaced in place: the new one takes the old one's slot, so its phase of view.
        const slot = (this.tick / 25) % 6;
        world.remove(this.ids[slot]!);
        this.ids[slot] = world.spawn(Tag, { name: `spawned ${++this.spawned}`, n: 0 });
      }
      const seen = this.ids.filter((_, i) => inView(this.tick, i));
      this.history.set(this.tick, worldOf(this.sync, seen));
      this.sync.flush(this.tick);
    }, 20);
  }
  spawn(): void {
    this.ids.push(this.sync.world.spawn(Tag, { name: `tag ${this.ids.length}`, n: 0 }));
  }
}

const game = foreignGame({ drones: DroneRoom, budget: BudgetRoom, views: ViewRoom }, { heartbeatMs: 100 });

afterEach(() => {
  RecordingRoom.live = undefined;
});

async function join(type: string) {
  const { client } = await game.open(await game.start(), 'Native');
  await client.request(K.CreateRoom, { type });
  return client;
}

const history = (tick: number) => RecordingRoom.live!.history.get(tick);

// ---------------------------------------------------------------------------------------------------

describe('vec3, quaternion and list fields, from docs/sync.md alone', () => {
  it("decodes the document's golden list snapshots", () => {
    const types: TypeDecl[] = [
      {
        name: 'car',
        fields: [
          ['lap', { kind: 'int', min: 0, max: 7 }],
          ['ammo', { kind: 'list', element: { kind: 'int', min: 0, max: 9 }, maxLength: 4 }],
          ['boost', { kind: 'bool' }],
        ],
      },
    ];
    expect(typesText(types)).toBe(
      'car{car.lap int 3 {"rounding":"whole","min":0,"step":1,"maxCode":7} ,car.ammo list 19 null 4 int 4 {"rounding":"whole","min":0,"step":1,"maxCode":9} ,car.boost bool 1 null }',
    );
    const decoder = new ForeignSnapshotDecoder(types);
    expect(decoder.fingerprint).toBe(0xfd2d020c);
    expect(decoder.decode(hex('00000000013108b4f4b3f85ea709547c2910')).kind).toBe('applied');
    expect([decoder.stateOf(0), decoder.stateOf(1)]).toEqual([
      { lap: 1, ammo: [9, 2], boost: false },
      { lap: 0, ammo: [], boost: true },
    ]);
    expect(decoder.decode(hex('010000000203527dd82204224f1a')).kind).toBe('applied');
    expect([decoder.stateOf(0)?.ammo, decoder.stateOf(1)?.ammo]).toEqual([[8, 2], [3]]);
    expect(decoder.decode(hex('020000000303844288f9031201')).kind).toBe('applied');
    expect(decoder.stateOf(0)).toEqual({ lap: 2, ammo: [8, 2], boost: false });
  });

  it("codes the document's golden quaternion, a 45° turn about y at 9 bits", () => {
    const code = quaternionCode(9, { x: 0, y: 0.3826834323650898, z: 0, w: 0.9238795325112867 });
    expect(code).toEqual([3, 255, 393, 255]);
    expect(quaternionValue(9, code)).toEqual({ x: 0, y: 0.38266955217154336, z: 0, w: 0.9238852817535468 });
  });

  it("describes vec3 and list fields as the document's examples do", () => {
    const text = typesText([
      {
        name: 'vehicle',
        fields: [
          ['position', { kind: 'vec3', min: -1000, max: 1000, precision: 0.01 }],
          ['state', { kind: 'enum', values: ['idle', 'driving', 'wrecked'] }],
          ['ammo', { kind: 'list', element: { kind: 'int', min: 0, max: 99 }, maxLength: 8 }],
        ],
      },
    ]);
    expect(text).toContain(
      'vehicle.position vec3 54 null {"rounding":"offset","min":-1000,"step":0.01,"maxCode":200000}',
    );
    expect(text).toContain('vehicle.state enum 2 null ["idle","driving","wrecked"]');
    expect(text).toContain(
      'vehicle.ammo list 60 null 8 int 7 {"rounding":"whole","min":0,"step":1,"maxCode":99} ',
    );
  });

  it('computes the fingerprint of vec3, quaternion and list fields that the server names', async () => {
    const client = await join('drones');
    const decoder = new ForeignSnapshotDecoder(DRONE_TYPES);
    const first = await firstSnapshot(client, decoder);
    expect(first?.header.types).toBe(decoder.fingerprint);
    expect(first?.kind).toBe('applied');
  });

  it('follows moving vec3s, turning quaternions and changing lists, equal to the server after each snapshot', async () => {
    const client = await join('drones');
    const decoder = new ForeignSnapshotDecoder(DRONE_TYPES);
    const seen = { at: 0 };
    let applied = 0;
    let relative = 0;
    const failures: string[] = [];
    const droppedAxes = new Set<number>();
    await until(client, '60 applied snapshots', () => {
      pump(client, decoder, seen, (outcome) => {
        if (outcome.kind === 'resync') failures.push(`resync at seq ${outcome.header.seq}: ${outcome.why}`);
        if (outcome.kind !== 'applied') return;
        applied++;
        if (outcome.header.modes[0]! > 0) relative++;
        for (const held of decoder.entities.values()) droppedAxes.add((held.codes[2] as number[])[0]!);
        expect(foreignWorld(decoder)).toEqual(history(outcome.header.tick));
      });
      return applied >= 60;
    });
    expect(failures).toEqual([]);
    expect(relative).toBeGreaterThan(10); // the vec3 positions went relative (or predicted)
    expect(droppedAxes.size).toBeGreaterThan(1); // rotations with different components dropped
  });
});

/**
 * Follows the budget room until the client held the whole world and `more` says it saw enough, checking
 * after each applied snapshot what the document says the client then holds. `drop` may lose a message.
 */
async function followBudget(
  more: (stats: { applied: number; incomplete: number; named: number }) => boolean,
  drop?: () => boolean,
) {
  const client = await join('budget');
  const decoder = new ForeignSnapshotDecoder(TAG_TYPES);
  const seen = { at: 0 };
  const failures: string[] = [];
  const stats = { applied: 0, incomplete: 0, completes: 0, named: 0 };
  let before: World = new Map();
  await until(client, 'the whole world held, and enough snapshots', () => {
    pump(
      client,
      decoder,
      seen,
      (outcome) => {
        if (outcome.kind === 'resync') failures.push(`resync at seq ${outcome.header.seq}: ${outcome.why}`);
        if (outcome.kind !== 'applied') return;
        stats.applied++;
        stats.named += outcome.named;
        const now = foreignWorld(decoder);
        const server = history(outcome.header.tick)!;
        const carried = new Set(outcome.carried);
        // "An entity missing from a snapshot was either up to date or left out by the budget".
        for (const [id, held] of now)
          expect(held, `tag ${id} at tick ${outcome.header.tick}`).toEqual(
            carried.has(id) ? server.get(id) : before.get(id),
          );
        if (outcome.header.complete === 1) {
          // "when set, nothing was left out, so every entity the client holds is current".
          stats.completes++;
          expect(now).toEqual(server);
        } else stats.incomplete++;
        before = now;
      },
      undefined,
      drop,
    );
    return stats.completes > 0 && more(stats);
  });
  expect(failures).toEqual([]);
  return stats;
}

describe('snapshots cut by a byte budget, from docs/sync.md alone', () => {
  it('holds the server state of every entity a snapshot carried, the rest as before, and converges', async () => {
    const stats = await followBudget((s) => s.applied >= 30 + s.incomplete);
    // The first snapshots could not carry 40 full states of about 30 bytes in 100 bytes.
    expect(stats.incomplete).toBeGreaterThan(5);
  });

  it('losing one message in four, reads the named deltas the budgeted snapshots send', async () => {
    let messages = 0;
    const stats = await followBudget(
      (s) => s.applied >= 40 && s.named > 0,
      () => ++messages % 4 === 2,
    );
    expect(stats.incomplete).toBeGreaterThan(5);
  });
});

describe('views, from docs/sync.md alone', () => {
  it('removes an entity that leaves the view as leftView, and takes it back in full', async () => {
    const client = await join('views');
    const decoder = new ForeignSnapshotDecoder(TAG_TYPES);
    const seen = { at: 0 };
    const failures: string[] = [];
    let applied = 0;
    let leftView = 0;
    let destroyed = 0;
    let cameBack = 0;
    const removed = new Set<number>();
    await until(client, '100 snapshots, with entities leaving and coming back', () => {
      pump(client, decoder, seen, (outcome) => {
        if (outcome.kind === 'resync') failures.push(`resync at seq ${outcome.header.seq}: ${outcome.why}`);
        if (outcome.kind !== 'applied') return;
        applied++;
        for (const kind of outcome.removals) {
          if (kind === 1) leftView++;
          else destroyed++;
        }
        // "one that comes back is sent in full".
        for (const id of outcome.carried)
          if (removed.delete(id)) {
            expect(outcome.fullIds).toContain(id);
            cameBack++;
          }
        for (const id of removed) expect(decoder.entities.has(id)).toBe(false);
        expect(outcome.header.complete).toBe(1);
        expect(foreignWorld(decoder)).toEqual(history(outcome.header.tick));
        const room = RecordingRoom.live as ViewRoom;
        // Held before, gone now, still in the world: left the view.
        for (const id of room.ids) if (!decoder.entities.has(id)) removed.add(id);
      });
      return applied >= 100 && cameBack >= 6 && destroyed >= 1;
    });
    expect(failures).toEqual([]);
    expect(leftView).toBeGreaterThanOrEqual(6);
  });
});

describe('a client whose types are not the server’s, from docs/sync.md alone', () => {
  it('sends the typesDiffer frame, and the server sends it no more snapshots', async () => {
    const client = await join('drones');
    // An older build: one more round of ammo than the server's type holds.
    const types: TypeDecl[] = DRONE_TYPES.map((type) => ({
      name: type.name,
      fields: type.fields.map(([name, decl]) => [
        name,
        name === 'ammo' ? { kind: 'list', element: { kind: 'int', min: 0, max: 99 }, maxLength: 5 } : decl,
      ]),
    }));
    const decoder = new ForeignSnapshotDecoder(types);
    const seen = { at: 0 };
    let refused: Outcome | undefined;
    await until(client, 'a snapshot refused for its types', () => {
      pump(client, decoder, seen, (outcome) => {
        refused ??= outcome;
      });
      return refused !== undefined;
    });
    if (refused?.kind !== 'resync') throw new Error(`not refused: ${refused?.kind}`);
    expect(refused.why).toBe('typesDiffer');
    expect(refused.header.types).not.toBe(decoder.fingerprint);
    // "two 32-bit fingerprints, least significant byte first: the server's types ..., then the client's".
    const frame = new Uint8Array(9);
    frame[0] = 6;
    new DataView(frame.buffer).setUint32(1, refused.header.types!, true);
    new DataView(frame.buffer).setUint32(5, decoder.fingerprint, true);
    client.sendBare(K.DatagramToServer, { c: 0, p: [frame] });
    const room = RecordingRoom.live!;
    let counted: number | undefined;
    await until(client, 'the member counted as mismatched, then 20 ticks more', () => {
      if (counted === undefined && room.sync.stats().typesMismatched === 1) counted = room.tick;
      return counted !== undefined && room.tick >= counted + 20;
    });
    // Every snapshot the client got was flushed before the server counted the frame: none came after it.
    const ticks: number[] = [];
    for (const frame of client.frames) {
      if (frame.kind !== K.DatagramFromServer || frame.body.c !== 0) continue;
      const found = snapshotsIn(frame.body.p as Uint8Array);
      if (found) ticks.push(decoder.readHeader(new Bits(found.snapshot)).tick);
    }
    expect(Math.max(...ticks)).toBeLessThanOrEqual(counted!);
  });
});

/** Bits in the document's order (least significant first), zero-padded to a byte. */
function bitsOut(fields: [value: number, bits: number][]): Uint8Array {
  const out: number[] = [];
  let at = 0;
  for (const [value, bits] of fields)
    for (let i = 0; i < bits; i++, at++) {
      if ((at & 7) === 0) out.push(0);
      out[at >> 3]! |= (Math.floor(value / 2 ** i) & 1) << (at & 7);
    }
  return Uint8Array.from(out);
}

/**
 * An empty snapshot of one type with relative fields: seq, stream 0, tick (varuint), complete, `0`
 * (nothing acked), the fingerprint, `0` (deltas whole), the checksum (the header's alone), count 0.
 */
function emptySnapshot(seq: number, tick: number, types: number): Uint8Array {
  const varuint: [number, number][] = [];
  let rest = tick;
  do {
    const group = rest % 128;
    rest = Math.floor(rest / 128);
    varuint.push([group + (rest > 0 ? 128 : 0), 8]);
  } while (rest > 0);
  return bitsOut([
    [seq, 16],
    [0, 16],
    ...varuint,
    [1, 1],
    [0, 1],
    [types, 32],
    [0, 1],
    [headerHash(seq, tick, 1), 32],
    [0, 8],
  ]);
}

describe('a seq that reads as older with a later tick, from docs/sync.md alone', () => {
  it('applies the empty snapshot that ends a stall past 32,767 lost seqs, as the library does', () => {
    const ball: TypeDecl[] = [{ name: 'ball', fields: [['x', { kind: 'int', min: 0, max: 1023 }]] }];
    const foreign = new ForeignSnapshotDecoder(ball);
    const library = new SnapshotDecoder(entityRegistry([entity('ball', { x: int({ min: 0, max: 1023 }) })]));
    const first = hex('0000000001c51cbe455a48d1f11028058a3e'); // the document's jump: seq 0, tick 1
    expect(foreign.decode(first).kind).toBe('applied');
    expect(library.decode(first).kind).toBe('applied');
    // A stalled client's empty snapshot, 32,769 seqs on (reads as older), tick 40,000.
    const seq = 0x8001;
    const empty = emptySnapshot(seq, 40_000, foreign.fingerprint);
    expect(library.decode(empty).kind).toBe('applied');
    expect(foreign.decode(empty).kind).toBe('applied');
    expect(foreign.newest).toBe(seq);
    expect(foreign.entities.size).toBe(2); // an empty snapshot changes nothing held
    // The same seq at the newest applied tick is what it reads as: stale, for both.
    const same = emptySnapshot(seq, 1, foreign.fingerprint);
    const again = new ForeignSnapshotDecoder(ball);
    const libraryAgain = new SnapshotDecoder(
      entityRegistry([entity('ball', { x: int({ min: 0, max: 1023 }) })]),
    );
    again.decode(first);
    libraryAgain.decode(first);
    expect(again.decode(same).kind).toBe('stale');
    expect(libraryAgain.decode(same).kind).toBe('stale');
  });
});
