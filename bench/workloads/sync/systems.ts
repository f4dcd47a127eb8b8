/** Both systems' server state for the W2 arena trace: applying a frame, encoding, decoding, checking. */
import { Decoder, Encoder, schema, t } from '@colyseus/schema';
import {
  angle,
  type EntityCodes,
  EntityTable,
  entity,
  entityRegistry,
  float,
  int,
  type SnapshotDecoder,
  type WorldFrame,
} from 'vehikill-net/sync';
import type { ArenaFrame } from './arena.js';
import { check } from './rng.js';

// ---- vehikill-net/sync -------------------------------------------------------------------------

export const Vehicle = entity('vehicle', {
  x: float({ min: 0, max: 1000, precision: 0.01 }), // 17 bits
  y: float({ min: 0, max: 1000, precision: 0.01 }),
  heading: angle({ bits: 10 }),
  speed: float({ min: 0, max: 40, precision: 0.01 }), // 12 bits
  hp: int({ min: 0, max: 100 }), // 7 bits
});
export const Projectile = entity('projectile', {
  x: float({ min: 0, max: 1000, precision: 0.01 }),
  y: float({ min: 0, max: 1000, precision: 0.01 }),
  owner: int({ min: 0, max: 31 }),
});
export const registry = entityRegistry([Vehicle, Projectile]);

/** The server's EntityTable fed from the trace, one frame per simulation tick. */
export class OursWorld {
  readonly table = new EntityTable();
  readonly #vehicleIds: number[] = [];
  readonly #projectileIds = new Map<number, number>();

  apply(frame: ArenaFrame): void {
    frame.vehicles.forEach((v, i) => {
      const id = this.#vehicleIds[i];
      if (id === undefined) this.#vehicleIds.push(this.table.spawn(Vehicle, v));
      else this.table.update(id, Vehicle, v);
    });
    const live = new Set<number>();
    for (const p of frame.projectiles) {
      live.add(p.pid);
      const id = this.#projectileIds.get(p.pid);
      // The trace's own object, as a game passes its projectile: the table reads the fields it declares.
      if (id === undefined) this.#projectileIds.set(p.pid, this.table.spawn(Projectile, p));
      else this.table.update(id, Projectile, p);
    }
    // forEach, not `for (const [pid, id] of ...)`: that made an entry array per projectile per frame, about
    // 1.5 MB and 5 µs a simulation frame (Colyseus's loop below copies only the keys).
    this.#projectileIds.forEach((id, pid) => {
      if (live.has(pid)) return;
      this.table.remove(id);
      this.#projectileIds.delete(pid);
    });
  }
}

/** After a complete snapshot the client holds exactly the frame's entities and codes. */
export function checkOursDecoded(decoder: SnapshotDecoder, frame: WorldFrame): void {
  check(
    decoder.size === frame.entities.size,
    `ours: ${decoder.size} entities held, ${frame.entities.size} sent`,
  );
  for (const [id, record] of frame.entities) {
    const held = decoder.get(id);
    check(held !== undefined && held.type === record.type, `ours: entity ${id} held`);
    check(sameCodes(held!.codes, record.codes), `ours: entity ${id} codes`);
  }
}

function sameCodes(a: EntityCodes, b: EntityCodes): boolean {
  return a.length === b.length && a.every((code, i) => code === b[i]);
}

// ---- @colyseus/schema --------------------------------------------------------------------------

export type ColyseusVariant = 'float32' | 'quantized';

interface CVehicle {
  x: number;
  y: number;
  heading: number;
  speed: number;
  hp: number;
}
interface CProjectile {
  x: number;
  y: number;
  owner: number;
}
interface CMap<T> {
  set(key: string, value: T): unknown;
  get(key: string): T | undefined;
  delete(key: string): unknown;
  keys(): IterableIterator<string>;
  readonly size: number;
}
interface CState {
  vehicles: CMap<CVehicle>;
  projectiles: CMap<CProjectile>;
}
type Ctor<T> = new () => T;

const f32VehicleFields = () => ({
  x: t.float32(),
  y: t.float32(),
  heading: t.float32(),
  speed: t.float32(),
  hp: t.uint8(),
});
const f32ProjectileFields = () => ({ x: t.float32(), y: t.float32(), owner: t.uint8() });
const F32Vehicle = schema(f32VehicleFields(), 'W2F32Vehicle');
const F32Projectile = schema(f32ProjectileFields(), 'W2F32Projectile');
const F32State = schema({ vehicles: t.map(F32Vehicle), projectiles: t.map(F32Projectile) }, 'W2F32State');
// Its narrowest types within 2x of our precision: 16-bit position (1000/65535 = 0.015 m steps, coarser
// than our 0.01), 16-bit heading (8 bits would be 1.4°, 4x our 0.35°), 16-bit speed.
const qVehicleFields = () => ({
  x: t.quantized({ min: 0, max: 1000, bits: 16 }),
  y: t.quantized({ min: 0, max: 1000, bits: 16 }),
  heading: t.angle({ bits: 16 }),
  speed: t.quantized({ min: 0, max: 40, bits: 16 }),
  hp: t.uint8(),
});
const qProjectileFields = () => ({
  x: t.quantized({ min: 0, max: 1000, bits: 16 }),
  y: t.quantized({ min: 0, max: 1000, bits: 16 }),
  owner: t.uint8(),
});
const QVehicle = schema(qVehicleFields(), 'W2QVehicle');
const QProjectile = schema(qProjectileFields(), 'W2QProjectile');
const QState = schema({ vehicles: t.map(QVehicle), projectiles: t.map(QProjectile) }, 'W2QState');

// The same, for StateView (sync-views-colyseus.ts): both collections tagged `@view()`, so a client is sent
// only the entities added to its view. Classes of their own, so the untagged ones stay as sync-cpu uses them.
const F32ViewVehicle = schema(f32VehicleFields(), 'W2F32ViewVehicle');
const F32ViewProjectile = schema(f32ProjectileFields(), 'W2F32ViewProjectile');
const F32ViewState = schema(
  { vehicles: t.map(F32ViewVehicle).view(), projectiles: t.map(F32ViewProjectile).view() },
  'W2F32ViewState',
);
const QViewVehicle = schema(qVehicleFields(), 'W2QViewVehicle');
const QViewProjectile = schema(qProjectileFields(), 'W2QViewProjectile');
const QViewState = schema(
  { vehicles: t.map(QViewVehicle).view(), projectiles: t.map(QViewProjectile).view() },
  'W2QViewState',
);

export class ColyseusWorld {
  readonly state: CState;
  readonly encoder: Encoder;
  readonly #State: Ctor<CState>;
  readonly #Vehicle: Ctor<CVehicle>;
  readonly #Projectile: Ctor<CProjectile>;
  readonly #raw = new Map<string, CVehicle | CProjectile>();

  /** views: the collections are tagged `@view()` (sent only to the StateViews that hold an entity). */
  constructor(
    readonly variant: ColyseusVariant,
    views = false,
  ) {
    const f32 = variant === 'float32';
    const [State, Vehicle, Projectile] = views
      ? f32
        ? [F32ViewState, F32ViewVehicle, F32ViewProjectile]
        : [QViewState, QViewVehicle, QViewProjectile]
      : f32
        ? [F32State, F32Vehicle, F32Projectile]
        : [QState, QVehicle, QProjectile];
    this.#State = State as unknown as Ctor<CState>;
    this.#Vehicle = Vehicle as unknown as Ctor<CVehicle>;
    this.#Projectile = Projectile as unknown as Ctor<CProjectile>;
    this.state = new this.#State();
    this.encoder = new Encoder(this.state as never);
  }

  newDecoder(): Decoder {
    return new Decoder(new this.#State() as never);
  }

  /** The game's setters: a field is assigned when its simulated value changed. */
  apply(frame: ArenaFrame): void {
    const { vehicles, projectiles } = this.state;
    frame.vehicles.forEach((v, i) => {
      const key = `v${i}`;
      const held = vehicles.get(key);
      if (held === undefined) {
        const created = new this.#Vehicle();
        Object.assign(created, v);
        vehicles.set(key, created);
        this.#raw.set(key, { ...v });
        return;
      }
      const raw = this.#raw.get(key) as CVehicle;
      if (raw.x !== v.x) held.x = raw.x = v.x;
      if (raw.y !== v.y) held.y = raw.y = v.y;
      if (raw.heading !== v.heading) held.heading = raw.heading = v.heading;
      if (raw.speed !== v.speed) held.speed = raw.speed = v.speed;
      if (raw.hp !== v.hp) held.hp = raw.hp = v.hp;
    });
    const live = new Set<string>();
    for (const p of frame.projectiles) {
      const key = String(p.pid);
      live.add(key);
      const held = projectiles.get(key);
      if (held === undefined) {
        const created = new this.#Projectile();
        created.x = p.x;
        created.y = p.y;
        created.owner = p.owner;
        projectiles.set(key, created);
        this.#raw.set(key, { x: p.x, y: p.y, owner: p.owner });
        continue;
      }
      const raw = this.#raw.get(key) as CProjectile;
      if (raw.x !== p.x) held.x = raw.x = p.x;
      if (raw.y !== p.y) held.y = raw.y = p.y;
    }
    for (const key of [...projectiles.keys()]) {
      if (live.has(key)) continue;
      projectiles.delete(key);
      this.#raw.delete(key);
    }
  }

  /** The decoder's state equals the server's (float32: as float32; quantized: the same dequantized value). */
  checkDecoded(decoder: Decoder): void {
    const got = decoder.state as unknown as CState;
    const wire = (v: number) => (this.variant === 'float32' ? Math.fround(v) : v);
    for (const kind of ['vehicles', 'projectiles'] as const) {
      const mine = this.state[kind] as unknown as CMap<Record<string, number>>;
      const theirs = got[kind] as unknown as CMap<Record<string, number>>;
      check(mine.size === theirs.size, `colyseus: ${kind} count ${theirs.size} vs ${mine.size}`);
      for (const key of mine.keys()) {
        const a = mine.get(key)!;
        const b = theirs.get(key);
        check(b !== undefined, `colyseus: ${kind} ${key} held`);
        for (const field of kind === 'vehicles'
          ? ['x', 'y', 'heading', 'speed', 'hp']
          : ['x', 'y', 'owner']) {
          check(
            wire(a[field]!) === b![field],
            `colyseus: ${kind} ${key}.${field} ${b![field]} vs ${a[field]}`,
          );
        }
      }
    }
  }
}
