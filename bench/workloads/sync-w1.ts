/**
 * Sync W1: @colyseus/schema's published patch table, 100 entities {name, x, y}. Bytes of the initial
 * state and of the patches after 1, 50 and 100 entities changed (x and y), for vehikill-net/sync
 * snapshots, @colyseus/schema, msgpackr and JSON, lossless (float32) and quantized to 0.01. Every message is
 * decoded and its content compared with what was sent.
 */
import { Decoder, Encoder, schema, t } from '@colyseus/schema';
import { FLOAT32_OPTIONS, Packr } from 'msgpackr';
import {
  type AnyEntityType,
  decodeAck,
  EntityTable,
  encodeAck,
  entity,
  entityRegistry,
  float,
  int,
  SnapshotDecoder,
  SnapshotEncoder,
  string,
} from 'vehikill-net/sync';
import type { Row } from '../results.js';
import { bitsToFloat32, check, float32Bits, mulberry32 } from './sync/rng.js';

const COUNT = 100;
const STEPS = [1, 50, 100] as const;
const STAGES = ['initial state', ...STEPS.map((k) => `${k} changed`)] as const;
const Q_STEP = 0.01;
const COLYSEUS_Q_HALF_STEP = 200 / 65535 / 2;

type Precision = 'float32' | 'quantized 0.01';

interface Raw {
  name: string;
  x: number;
  y: number;
}

/** The generated world: the initial entities, then for each step the ids changed and their new x, y. */
interface Script {
  initial: Raw[];
  steps: { ids: number[]; values: Array<[number, number]> }[];
}

function makeScript(precision: Precision, seed: number): Script {
  const random = mulberry32(seed);
  const value = () => {
    for (;;) {
      const v = precision === 'float32' ? Math.fround(random() * 200) : random() * 200;
      if (!Number.isInteger(v)) return v;
    }
  };
  const initial = Array.from({ length: COUNT }, (_, i) => ({ name: `car${i}`, x: value(), y: value() }));
  const steps = STEPS.map((k) => {
    const order = Array.from({ length: COUNT }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const ids = order.slice(0, k).sort((a, b) => a - b);
    return { ids, values: ids.map((): [number, number] => [value(), value()]) };
  });
  return { initial, steps };
}

/** Applies the script; calls `send` after the initial state and each step with the current truth. */
function play(
  script: Script,
  send: (stage: number, world: readonly Raw[], changed: readonly number[]) => void,
) {
  const world = script.initial.map((e) => ({ ...e }));
  send(
    0,
    world,
    world.map((_, i) => i),
  );
  script.steps.forEach((step, s) => {
    step.ids.forEach((id, i) => {
      const [x, y] = step.values[i]!;
      world[id]!.x = x;
      world[id]!.y = y;
    });
    send(s + 1, world, step.ids);
  });
}

// ---- vehikill-net/sync -------------------------------------------------------------------------

const Float32Entity = entity('w1f32', {
  name: string({ maxLength: 16 }),
  // float32 bits in a 32-bit int: no float grid reproduces every float32 value in 0..200
  x: int({ min: 0, max: 0xffff_ffff }),
  y: int({ min: 0, max: 0xffff_ffff }),
});
// The same with the range known: float32 bits of values in [0, 200] are at most 0x43480000 (31 bits).
const Float32Entity31 = entity('w1f32r', {
  name: string({ maxLength: 16 }),
  x: int({ min: 0, max: 0x4348_0000 }),
  y: int({ min: 0, max: 0x4348_0000 }),
});
const QuantizedEntity = entity('w1q', {
  name: string({ maxLength: 16 }),
  x: float({ min: 0, max: 200, precision: Q_STEP }),
  y: float({ min: 0, max: 200, precision: Q_STEP }),
});

function oursBytes(precision: Precision, script: Script, ranged = false): number[] {
  const type: AnyEntityType =
    precision === 'float32' ? (ranged ? Float32Entity31 : Float32Entity) : QuantizedEntity;
  const registry = entityRegistry([type]);
  const table = new EntityTable();
  const encoder = new SnapshotEncoder(registry);
  const decoder = new SnapshotDecoder(registry);
  const toState = (e: Raw) =>
    precision === 'float32' ? { name: e.name, x: float32Bits(e.x), y: float32Bits(e.y) } : { ...e };
  const bytes: number[] = [];
  let tick = 0;
  play(script, (stage, world, changed) => {
    for (const id of changed) {
      if (stage === 0) check(table.spawn(type, toState(world[id]!) as never) === id, 'ids from 0');
      else table.update(id, type, toState(world[id]!) as never);
    }
    const snapshot = encoder.encode(table.frame(tick++));
    bytes.push(snapshot.bytes.length);
    const outcome = decoder.decode(snapshot.bytes);
    check(outcome.kind === 'applied' && outcome.complete, 'ours: snapshot applied');
    check(decoder.size === COUNT, 'ours: entity count');
    world.forEach((e, id) => {
      const got = decoder.stateOf(id, type) as unknown as { name: string; x: number; y: number };
      check(got.name === e.name, 'ours: name');
      if (precision === 'float32') {
        check(bitsToFloat32(got.x) === e.x && bitsToFloat32(got.y) === e.y, 'ours: float32 exact');
      } else {
        check(got.x === Math.round(e.x / Q_STEP) * Q_STEP, 'ours: x on the 0.01 grid');
        check(got.y === Math.round(e.y / Q_STEP) * Q_STEP, 'ours: y on the 0.01 grid');
        check(Math.abs(got.x - e.x) <= Q_STEP / 2 + 1e-9, 'ours: x within half a step');
      }
    });
    encoder.receiveAck(decodeAck(encodeAck(decoder.ack())));
  });
  return bytes;
}

// ---- @colyseus/schema --------------------------------------------------------------------------

interface ColyseusEntity {
  name: string;
  x: number;
  y: number;
}
interface ColyseusState {
  entities: {
    set(key: string, value: ColyseusEntity): unknown;
    get(key: string): ColyseusEntity | undefined;
    readonly size: number;
  };
}
type Ctor<T> = new () => T;

const F32 = schema({ name: t.string(), x: t.float32(), y: t.float32() }, 'W1F32');
const F32State = schema({ entities: t.map(F32) }, 'W1F32State');
const Q16 = schema(
  {
    name: t.string(),
    x: t.quantized({ min: 0, max: 200, bits: 16 }),
    y: t.quantized({ min: 0, max: 200, bits: 16 }),
  },
  'W1Q16',
);
const Q16State = schema({ entities: t.map(Q16) }, 'W1Q16State');

function colyseusBytes(precision: Precision, script: Script): number[] {
  const Entity = (precision === 'float32' ? F32 : Q16) as unknown as Ctor<ColyseusEntity>;
  const State = (precision === 'float32' ? F32State : Q16State) as unknown as Ctor<ColyseusState>;
  const state = new State();
  const encoder = new Encoder(state as never);
  const decoder = new Decoder(new State() as never);
  const bytes: number[] = [];
  play(script, (stage, world, changed) => {
    for (const id of changed) {
      const raw = world[id]!;
      const e = stage === 0 ? new Entity() : state.entities.get(String(id))!;
      if (stage === 0) e.name = raw.name;
      e.x = raw.x;
      e.y = raw.y;
      if (stage === 0) state.entities.set(String(id), e);
    }
    const encoded = (stage === 0 ? encoder.encodeAll() : encoder.encode()).slice(); // a view: copy
    encoder.discardChanges();
    bytes.push(encoded.length);
    decoder.decode(encoded);
    const decoded = decoder.state as unknown as ColyseusState;
    check(decoded.entities.size === COUNT, 'colyseus: entity count');
    world.forEach((raw, id) => {
      const got = decoded.entities.get(String(id))!;
      check(got.name === raw.name, 'colyseus: name');
      if (precision === 'float32') {
        check(got.x === raw.x && got.y === raw.y, 'colyseus: float32 exact');
      } else {
        const held = state.entities.get(String(id))!;
        check(got.x === held.x && got.y === held.y, 'colyseus: decoded = server value');
        check(Math.abs(got.x - raw.x) <= COLYSEUS_Q_HALF_STEP + 1e-9, 'colyseus: x within half a step');
      }
    });
  });
  return bytes;
}

// ---- msgpackr and JSON: [[id, name, x, y], ...] then [[id, x, y], ...] ------------------------

/** The shortest decimal that reads back (through Math.fround) as this float32. */
function shortestFloat32(value: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function tuples(precision: Precision, world: readonly Raw[], changed: readonly number[], full: boolean) {
  const wire = (v: number) => (precision === 'float32' ? v : Math.round(v / Q_STEP)); // codes, as ints
  return changed.map((id) => {
    const e = world[id]!;
    return full ? [id, e.name, wire(e.x), wire(e.y)] : [id, wire(e.x), wire(e.y)];
  });
}

function checkTuples(precision: Precision, got: unknown, sent: unknown[][], fround: boolean): void {
  check(Array.isArray(got) && got.length === sent.length, 'tuples: length');
  (got as unknown[][]).forEach((tuple, i) => {
    sent[i]!.forEach((value, j) => {
      const decoded = tuple[j];
      const same =
        typeof value === 'number' && fround && precision === 'float32' && !Number.isInteger(value)
          ? Math.fround(decoded as number) === value
          : decoded === value;
      check(same, `tuples: entity ${i} field ${j}`);
    });
  });
}

function msgpackrBytes(precision: Precision, script: Script): number[] {
  const packr = new Packr({ useRecords: false, useFloat32: FLOAT32_OPTIONS.ALWAYS });
  const bytes: number[] = [];
  play(script, (stage, world, changed) => {
    const message = tuples(precision, world, changed, stage === 0);
    const packed = packr.pack(message);
    bytes.push(packed.length);
    checkTuples(precision, packr.unpack(packed), message, false);
  });
  return bytes;
}

function jsonBytes(precision: Precision, script: Script): number[] {
  const bytes: number[] = [];
  play(script, (stage, world, changed) => {
    const message = tuples(precision, world, changed, stage === 0).map((tuple) =>
      tuple.map((v) => (typeof v === 'number' && precision === 'float32' ? shortestFloat32(v) : v)),
    );
    const text = JSON.stringify(message);
    bytes.push(Buffer.byteLength(text));
    const sent = tuples(precision, world, changed, stage === 0);
    checkTuples(precision, JSON.parse(text), sent, true);
  });
  return bytes;
}

export function benchSyncW1(): Row[] {
  const rows: Row[] = [];
  const workload = 'sync W1: 100 x {name,x,y}';
  for (const precision of ['float32', 'quantized 0.01'] as const) {
    const script = makeScript(precision, precision === 'float32' ? 1 : 2);
    const systems: Array<[string, number[]]> = [
      ['vehikill-net', oursBytes(precision, script)],
      ['@colyseus/schema', colyseusBytes(precision, script)],
      ...(precision === 'float32'
        ? [['vehikill-net, 31-bit int', oursBytes(precision, script, true)] as [string, number[]]]
        : []),
      ['msgpackr', msgpackrBytes(precision, script)],
      ['JSON', jsonBytes(precision, script)],
    ];
    for (const [system, bytes] of systems) {
      STAGES.forEach((stage, i) => {
        rows.push({ workload, system, metric: `${precision}: ${stage}`, value: bytes[i]!, unit: 'bytes' });
      });
    }
    const ours = systems[0]![1];
    const theirs = systems[1]![1];
    STAGES.forEach((stage, i) => {
      rows.push({
        workload,
        system: 'ours / colyseus',
        metric: `${precision}: ${stage}`,
        value: Math.round((ours[i]! / theirs[i]!) * 1000) / 1000,
        unit: 'x',
      });
    });
  }
  return rows;
}
