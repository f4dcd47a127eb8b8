/**
 * Sync views against @colyseus/schema's StateView: the interest-management scenarios of sync-views.ts (the
 * W2 arena trace, 32 clients, snapshots at 20 Hz, client i follows vehicle i, sight radius 90 m; all /
 * teams / own sight) run on Colyseus as a Colyseus 0.16 room runs them, and ours (sync-views.ts's round)
 * alternated with it round by round in the same process.
 *
 * Colyseus side, per snapshot tick (the room's patch): the game's setters at every simulation tick (as
 * sync-cpu.ts counts them); the views: which entities each client sees (the same test on the same 0.01 m
 * position codes as ours, so the same sets), then `view.add` / `view.remove` for what came into or left
 * sight; then what `SchemaSerializer.applyPatches` does in @colyseus/core 0.16: `encoder.encode(it)` for
 * the shared part, `encoder.encodeView(view, sharedOffset, it)` once per StateView (the room caches the
 * result per view object: clients that share one StateView get the same bytes), `encoder.discardChanges()`.
 * A client is sent `encodeView`'s bytes (shared part + its view's). Both collections are tagged `@view()`.
 *
 * - all: no StateView, the collections untagged, one `encode()` for all (sync-cpu's Colyseus round);
 * - teams: each client has a StateView of its own (`client.view = new StateView()` in `onJoin`) holding
 *   what its team sees; the team's sight is computed once per tick and applied to its 16 views. Also
 *   measured apart: one StateView per team, shared by its 16 clients (one `encodeView` per team);
 * - own sight: a StateView per client, what is within sight of its own vehicle.
 *
 * Colyseus sends over a reliable channel: no loss, no acks, no resends counted (a lost TCP segment is
 * resent by the kernel, not counted here); ours keeps sync-views.ts's 5 % loss and acks.
 *
 * Checked round per scenario (untimed): a Colyseus `Decoder` for every client decodes every patch it is
 * sent, and after each one holds exactly the entities in that client's view, with the server's values
 * (as float32 / as quantized); every client's view equals the ids of ours' `frameView` for that client at
 * that tick (an EntityTable run alongside). The timed rounds must send each client the checked round's
 * bytes, byte for byte.
 */
import { type Decoder, type Ref, StateView } from '@colyseus/schema';
import { frameView } from 'vehikill-net/sync';
import type { Row } from '../results.js';
import { type ArenaFrame, arenaTrace, SIM_HZ, VEHICLES } from './sync/arena.js';
import { check, median } from './sync/rng.js';
import { type ColyseusVariant, ColyseusWorld, OursWorld, Projectile, Vehicle } from './sync/systems.js';
import {
  CLIENTS,
  fnv,
  HZ,
  POSITION_STEP,
  SCENARIOS,
  type Scenario,
  SECONDS,
  SIGHT_CODES_SQUARED,
  SIGHT_RADIUS,
  sight,
  teamOf,
  type ViewsRound,
  viewsRound,
  WARMUP_TICKS,
} from './sync-views.js';

/** Fewer than sync-views' 25: each round runs ours 3 times and Colyseus 7 times. */
const ROUNDS = 15;
const VARIANTS: readonly ColyseusVariant[] = ['float32', 'quantized'];
const MAX_CODE = Math.round(1000 / POSITION_STEP);

/** What the Colyseus side runs: a scenario, and for teams whether the 16 clients share one StateView. */
interface Setup {
  readonly scenario: Scenario;
  readonly sharedTeamViews: boolean;
}
const SETUPS: readonly Setup[] = [
  { scenario: 'all', sharedTeamViews: false },
  { scenario: 'teams', sharedTeamViews: false },
  { scenario: 'teams', sharedTeamViews: true },
  { scenario: 'own sight', sharedTeamViews: false },
];
const setupName = (setup: Setup): string =>
  setup.scenario === 'all'
    ? 'all (no StateView, 1 encode)'
    : setup.scenario === 'own sight'
      ? 'own sight (32 StateViews)'
      : setup.sharedTeamViews
        ? 'teams (2 StateViews, each shared by 16 clients)'
        : 'teams (32 StateViews, one per client)';

/** As ours quantizes x and y (float, min 0, precision 0.01): the codes its sight test compares. */
const positionCode = (value: number): number =>
  Math.min(MAX_CODE, Math.max(0, Math.round(value / POSITION_STEP)));

/** Clients that see alike: one sight test per tick, applied to each of their StateViews. */
interface SightGroup {
  readonly viewers: readonly number[];
  readonly positions: Float64Array;
  /** The group's StateViews (one per client, or one shared). */
  readonly views: StateView[];
}

interface ColyseusViewsRound {
  /** Mean µs per snapshot interval: setters (at every simulation tick). */
  writeUs: number;
  /** Mean µs per snapshot tick: sight tests and view.add / view.remove. */
  viewUs: number;
  /** Mean µs per snapshot tick: encode, encodeView per StateView, discardChanges. */
  encodeUs: number;
  /** Mean over clients, shared part + view part. */
  bytesPerClientSecond: number;
  /** view.add and view.remove calls per snapshot tick. */
  addsPerTick: number;
  removesPerTick: number;
  digests: number[];
  /** Checked round only: patches decoded and checked. */
  checkedPatches: number;
}

const total = (round: ColyseusViewsRound) => round.writeUs + round.viewUs + round.encodeUs;
const oursTotal = (round: ViewsRound) => round.serverUs + round.writeUs;

function colyseusViewsRound(
  trace: readonly ArenaFrame[],
  setup: Setup,
  variant: ColyseusVariant,
  checked: boolean,
): ColyseusViewsRound {
  const every = SIM_HZ / HZ;
  const { scenario } = setup;
  const world = new ColyseusWorld(variant, scenario !== 'all');
  const { encoder, state } = world;
  const groups: SightGroup[] = [];
  /** Each client's StateView; undefined: no views (all). */
  const clientViews = new Array<StateView | undefined>(CLIENTS).fill(undefined);
  const newGroup = (viewers: number[]): SightGroup => {
    const group = { viewers, positions: new Float64Array(viewers.length * 2), views: [] };
    groups.push(group);
    return group;
  };
  if (scenario === 'teams') {
    const all = Array.from({ length: CLIENTS }, (_, i) => i);
    for (const team of [0, 1]) {
      const members = all.filter((i) => teamOf(i) === team);
      const group = newGroup(members);
      const shared = setup.sharedTeamViews ? new StateView() : undefined;
      if (shared !== undefined) group.views.push(shared);
      for (const i of members) {
        const view = shared ?? new StateView();
        if (shared === undefined) group.views.push(view);
        clientViews[i] = view;
      }
    }
  } else if (scenario === 'own sight') {
    for (let i = 0; i < CLIENTS; i++) {
      const view = new StateView();
      newGroup([i]).views.push(view);
      clientViews[i] = view;
    }
  }
  const decoders: Decoder[] = checked ? Array.from({ length: CLIENTS }, () => world.newDecoder()) : [];
  const mirror = checked ? new OursWorld() : undefined;
  const ids = checked ? new IdMirror() : undefined;
  const digests = new Array<number>(CLIENTS).fill(2166136261);
  const vehicleKeys = Array.from({ length: VEHICLES }, (_, i) => `v${i}`);
  const entities: Ref[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  let visible = new Uint8Array(256);
  const patches = new Map<StateView | undefined, Uint8Array>();
  let writeMs = 0;
  let viewMs = 0;
  let encodeMs = 0;
  let ticks = 0;
  let bytes = 0;
  let adds = 0;
  let removes = 0;
  let checkedPatches = 0;
  for (const frame of trace) {
    const measured = frame.tick >= WARMUP_TICKS;
    let started = performance.now();
    world.apply(frame);
    if (measured) writeMs += performance.now() - started;
    mirror?.apply(frame);
    ids?.apply(frame);
    if (frame.tick % every !== 0) continue;
    started = performance.now();
    let added = 0;
    let removed = 0;
    if (groups.length > 0) {
      // The entities and their position codes, from the simulation's state (what ours' frame holds).
      entities.length = 0;
      xs.length = 0;
      ys.length = 0;
      const { vehicles, projectiles } = state;
      for (let v = 0; v < frame.vehicles.length; v++) {
        const vehicle = frame.vehicles[v]!;
        entities.push(vehicles.get(vehicleKeys[v]!) as unknown as Ref);
        xs.push(positionCode(vehicle.x));
        ys.push(positionCode(vehicle.y));
      }
      for (const p of frame.projectiles) {
        entities.push(projectiles.get(String(p.pid)) as unknown as Ref);
        xs.push(positionCode(p.x));
        ys.push(positionCode(p.y));
      }
      const count = entities.length;
      if (visible.length < count) visible = new Uint8Array(count * 2);
      for (const group of groups) {
        const { viewers, positions } = group;
        for (let k = 0; k < viewers.length; k++) {
          positions[2 * k] = xs[viewers[k]!]!;
          positions[2 * k + 1] = ys[viewers[k]!]!;
        }
        for (let e = 0; e < count; e++) {
          const x = xs[e]!;
          const y = ys[e]!;
          let seen = 0;
          for (let k = 0; k < positions.length; k += 2) {
            const dx = x - positions[k]!;
            const dy = y - positions[k + 1]!;
            if (dx * dx + dy * dy <= SIGHT_CODES_SQUARED) {
              seen = 1;
              break;
            }
          }
          visible[e] = seen;
        }
        for (const view of group.views) {
          for (let e = 0; e < count; e++) {
            const entity = entities[e]!;
            if (visible[e] === 1) {
              if (!view.has(entity)) {
                view.add(entity);
                added++;
              }
            } else if (view.has(entity)) {
              view.remove(entity);
              removed++;
            }
          }
        }
      }
    }
    const viewEnded = performance.now();
    // SchemaSerializer.applyPatches (@colyseus/core 0.16), without its 1-byte protocol prefix (ours is
    // counted without its tag byte too).
    const it = { offset: 0 };
    const shared = encoder.encode(it);
    if (groups.length === 0) patches.set(undefined, shared);
    else {
      const sharedOffset = it.offset;
      for (const group of groups) {
        for (const view of group.views) patches.set(view, encoder.encodeView(view, sharedOffset, it));
      }
    }
    encoder.discardChanges();
    const ended = performance.now();
    // Not timed from here. `shared` is a view into the encoder's buffer: read it before the next encode.
    if (measured) {
      viewMs += viewEnded - started;
      encodeMs += ended - viewEnded;
      ticks++;
      adds += added;
      removes += removed;
    }
    for (let i = 0; i < CLIENTS; i++) {
      const patch = patches.get(clientViews[i])!;
      digests[i] = fnv(digests[i]!, patch);
      if (measured) bytes += patch.length;
      if (!checked) continue;
      const decoder = decoders[i]!;
      decoder.decode(patch);
      checkedPatches++;
      const view = clientViews[i];
      if (view === undefined) world.checkDecoded(decoder);
      else
        checkViewDecoded(
          world,
          view,
          decoder,
          `${setupName(setup)} ${variant}, client ${i}, tick ${frame.tick}`,
        );
    }
    if (checked) {
      checkSameViews(mirror!, ids!, frame, groups, entities, `${setupName(setup)} ${variant}`);
    }
    patches.clear();
  }
  return {
    writeUs: (writeMs * 1000) / ticks,
    viewUs: (viewMs * 1000) / ticks,
    encodeUs: (encodeMs * 1000) / ticks,
    bytesPerClientSecond: bytes / CLIENTS / (ticks / HZ),
    addsPerTick: adds / ticks,
    removesPerTick: removes / ticks,
    digests,
    checkedPatches,
  };
}

interface Held {
  readonly size: number;
  keys(): IterableIterator<string>;
  get(key: string): Record<string, number> | undefined;
}

/** The decoder holds exactly the entities in the client's view, with the server's values as sent. */
function checkViewDecoded(world: ColyseusWorld, view: StateView, decoder: Decoder, where: string): void {
  const got = decoder.state as unknown as Record<'vehicles' | 'projectiles', Held>;
  const wire = (v: number) => (world.variant === 'float32' ? Math.fround(v) : v);
  for (const kind of ['vehicles', 'projectiles'] as const) {
    const mine = world.state[kind] as unknown as Held;
    const theirs = got[kind];
    let inView = 0;
    for (const key of mine.keys()) {
      const a = mine.get(key)!;
      const b = theirs.get(key);
      if (!view.has(a as never)) {
        check(b === undefined, `colyseus views: ${where}: ${kind} ${key} held, not in the view`);
        continue;
      }
      inView++;
      check(b !== undefined, `colyseus views: ${where}: ${kind} ${key} in the view, not held`);
      for (const field of kind === 'vehicles' ? ['x', 'y', 'heading', 'speed', 'hp'] : ['x', 'y', 'owner']) {
        check(
          wire(a[field]!) === b![field],
          `colyseus views: ${where}: ${kind} ${key}.${field} ${b![field]} vs ${a[field]}`,
        );
      }
    }
    check(
      theirs.size === inView,
      `colyseus views: ${where}: ${theirs.size} ${kind} held, ${inView} in the view`,
    );
  }
}

/** Ours' table ids of the trace's entities: vehicles 0-31 at the first tick, then projectiles as they appear. */
class IdMirror {
  readonly pidOf = new Map<number, number>();
  #next = VEHICLES;

  apply(frame: ArenaFrame): void {
    for (const p of frame.projectiles) {
      if (!this.pidOf.has(p.pid)) this.pidOf.set(p.pid, this.#next++);
    }
  }
}

/**
 * Each StateView holds what ours' frameView of that client's viewers holds at this tick (the same sight
 * test on the same codes, so the same entities): the two sides run the same views.
 */
function checkSameViews(
  mirror: OursWorld,
  ids: IdMirror,
  frame: ArenaFrame,
  groups: readonly SightGroup[],
  entities: readonly Ref[],
  where: string,
): void {
  if (groups.length === 0) return;
  const worldFrame = mirror.table.frame(frame.tick);
  // entity index in `entities` (vehicles, then the frame's projectiles) → ours' id, checked against the codes
  const idOf = [...frame.vehicles.map((_, v) => v), ...frame.projectiles.map((p) => ids.pidOf.get(p.pid)!)];
  check(idOf.length === worldFrame.ids.length, `colyseus views: ${where}: entity count at ${frame.tick}`);
  const positionsOf = [...frame.vehicles, ...frame.projectiles];
  idOf.forEach((id, e) => {
    const record = worldFrame.entities.get(id);
    check(
      record !== undefined &&
        record.type === (e < VEHICLES ? Vehicle : Projectile) &&
        record.codes[0] === positionCode(positionsOf[e]!.x) &&
        record.codes[1] === positionCode(positionsOf[e]!.y),
      `colyseus views: ${where}: entity ${e} is ours' id ${id} at tick ${frame.tick}`,
    );
  });
  for (const group of groups) {
    const positions = new Float64Array(group.viewers.length * 2);
    group.viewers.forEach((v, k) => {
      const codes = worldFrame.entities.get(v)!.codes;
      positions[2 * k] = codes[0] as number;
      positions[2 * k + 1] = codes[1] as number;
    });
    const ours = new Set(frameView(worldFrame, sight(positions)).ids);
    for (const view of group.views) {
      idOf.forEach((id, e) => {
        check(
          view.has(entities[e]!) === ours.has(id),
          `colyseus views: ${where}: entity ${id} at tick ${frame.tick}: StateView ${view.has(entities[e]!)}, frameView ${ours.has(id)}`,
        );
      });
    }
  }
}

export function benchSyncViewsColyseus(): Row[] {
  const trace = arenaTrace(SECONDS, 7);
  const rows: Row[] = [];
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const workload = `sync views vs StateView, arena @${HZ} Hz, ${CLIENTS} clients`;
  const add = (system: string, metric: string, value: number, unit: string) =>
    rows.push({ workload, system, metric, value, unit });
  const key = (setup: Setup, variant: ColyseusVariant) => `${setupName(setup)} ${variant}`;
  // Checked rounds first (they also warm both sides up).
  const oursChecked = new Map<Scenario, ViewsRound>();
  for (const scenario of SCENARIOS) oursChecked.set(scenario, viewsRound(trace, scenario, true));
  const theirsChecked = new Map<string, ColyseusViewsRound>();
  for (const setup of SETUPS) {
    for (const variant of VARIANTS) {
      theirsChecked.set(key(setup, variant), colyseusViewsRound(trace, setup, variant, true));
    }
  }
  const ours = new Map<Scenario, ViewsRound[]>(SCENARIOS.map((scenario) => [scenario, []]));
  const theirs = new Map<string, ColyseusViewsRound[]>([...theirsChecked.keys()].map((k) => [k, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const scenario of SCENARIOS) {
      const round = viewsRound(trace, scenario, false);
      const reference = oursChecked.get(scenario)!;
      check(
        round.digests.every((digest, i) => digest === reference.digests[i]),
        `views ${scenario}: a timed round sent other bytes than the checked round`,
      );
      ours.get(scenario)!.push(round);
      for (const setup of SETUPS) {
        if (setup.scenario !== scenario) continue;
        for (const variant of VARIANTS) {
          const theirsRound = colyseusViewsRound(trace, setup, variant, false);
          const theirsReference = theirsChecked.get(key(setup, variant))!;
          check(
            theirsRound.digests.every((digest, i) => digest === theirsReference.digests[i]),
            `colyseus views ${key(setup, variant)}: a timed round sent other bytes than the checked round`,
          );
          theirs.get(key(setup, variant))!.push(theirsRound);
        }
      }
    }
  }
  add('teams, own sight', 'sight radius', SIGHT_RADIUS, 'm');
  add('both', 'rounds (each: ours, then Colyseus, per scenario)', ROUNDS, 'count');
  for (const setup of SETUPS) {
    const oursRounds = ours.get(setup.scenario)!;
    const oursCheck = oursChecked.get(setup.scenario)!;
    const oursSystem = `vehikill-net ${setup.scenario}`;
    if (!setup.sharedTeamViews) {
      add(
        oursSystem,
        'server per snapshot tick (writes + acks, frame, views, encodes)',
        round2(median(oursRounds.map(oursTotal))),
        'µs',
      );
      add(oursSystem, 'bytes per client per second', Math.round(oursCheck.bytesPerClientSecond), 'B/s');
      add(oursSystem, 'resync outcomes in the checked round', oursCheck.resyncs, 'count');
    }
    for (const variant of VARIANTS) {
      const rounds = theirs.get(key(setup, variant))!;
      const checkedRound = theirsChecked.get(key(setup, variant))!;
      const system = `@colyseus/schema ${variant} ${setupName(setup)}`;
      const m = (f: (round: ColyseusViewsRound) => number) => round2(median(rounds.map(f)));
      add(system, 'server per snapshot tick (setters + views + encodes)', m(total), 'µs');
      add(
        system,
        'of which setters (per snapshot interval)',
        m((x) => x.writeUs),
        'µs',
      );
      add(
        system,
        'of which views (sight, view.add / view.remove)',
        m((x) => x.viewUs),
        'µs',
      );
      add(
        system,
        'of which encode + encodeView + discardChanges',
        m((x) => x.encodeUs),
        'µs',
      );
      add(system, 'view.add per snapshot tick', round2(checkedRound.addsPerTick), 'count');
      add(system, 'view.remove per snapshot tick', round2(checkedRound.removesPerTick), 'count');
      add(system, 'bytes per client per second', Math.round(checkedRound.bytesPerClientSecond), 'B/s');
      add(system, 'patches decoded and checked in the checked round', checkedRound.checkedPatches, 'count');
      const paired = oursRounds.map((round, index) => oursTotal(round) / total(rounds[index]!));
      const versus = `ours ${setup.scenario} / colyseus ${variant} ${setupName(setup)}`;
      add(versus, 'server per snapshot tick ratio, median of rounds', round2(median(paired)), 'x');
      add(versus, 'the same, lowest round', round2(Math.min(...paired)), 'x');
      add(versus, 'the same, highest round', round2(Math.max(...paired)), 'x');
      add(
        versus,
        'bytes per client ratio',
        Math.round((oursCheck.bytesPerClientSecond / checkedRound.bytesPerClientSecond) * 1000) / 1000,
        'x',
      );
    }
  }
  return rows;
}
