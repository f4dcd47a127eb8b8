import { isEntityOf, SyncedState, type SyncLink } from 'vehikill-net/client';
import {
  ClockSync,
  type Correction,
  FixedStepLoop,
  InputHistory,
  leadTicks,
  TickRateController,
} from 'vehikill-net/netcode';
import type { ProtocolError } from 'vehikill-net/protocol';
import type { EntityCodes } from 'vehikill-net/sync';
import {
  type Arena,
  DEFAULT_ARENA,
  quantizeInput,
  RocketEntity,
  type RocketState,
  TICK_RATE,
  type Vehicle,
  VehicleEntity,
  type VehicleInput,
  type VehicleState,
  type World,
} from '../../sim/index.js';
import { GAME_ENTITY_TYPES } from '../protocol/entity-types.js';
import {
  decodeGameMessage,
  encodeClockProbe,
  encodeHashReport,
  encodeInputMessage,
  type PlayerStatus,
} from '../protocol/messages.js';
import { MAX_TICKS_BACK, type NetInput, type ShotView } from '../protocol/net-input.js';
import { hashSyncedEntities } from '../protocol/synced-hash.js';
import { TICK_MS } from '../protocol/timeline.js';
import { OwnPrediction } from './own-prediction.js';
import { type Drawn, type PeerDisagreement, RemoteView } from './remote-view.js';
import { snapshotWorld, vehicleIdOf } from './snapshot-world.js';

export interface ArenaClientOptions {
  /** The player's link to the server (`client.serverLink`, or a simulated link). */
  link: SyncLink;
  /** This tick's controls; called once per simulated tick. */
  sampleInput(tick: number): VehicleInput;
  clock?: { now(): number; setTimeout(callback: () => void, ms: number): () => void };
  arena?: Arena;
  /** Send an input packet every this many ticks (default 1: every tick; 2 halves the packets). */
  inputEvery?: number;
  /** Report the decoded state's hash every this many ticks (default 60: once a second). */
  hashEvery?: number;
  /**
   * A peer's sample of its own vehicle was far from the server's state (see RemoteView.pushPeerSample):
   * the game reports it to the server, which checks it against its own history.
   */
  onPeerDisagreement?(report: PeerDisagreement): void;
  /** The server said something malformed; it was dropped. */
  onBadMessage?(error: ProtocolError): void;
  /** A reconciliation happened (for tools and tests measuring corrections). */
  onCorrection?(correction: Correction<World>, serverTick: number): void;
}

/** One frame to draw. */
export interface ArenaFrame {
  /** The tick the player's own vehicle is predicted at, if the game has started for it. */
  readonly tick: number | undefined;
  /** Server time remote entities are drawn at, or undefined before two snapshots. */
  readonly renderTime: number | undefined;
  readonly own: Vehicle | undefined;
  readonly vehicles: readonly (Drawn<VehicleState> & { readonly vehicleId: number })[];
  readonly rockets: readonly Drawn<RocketState>[];
}

/** Ticks ahead of the server's timeline beyond which the player's tick is reset rather than nudged. */
const RESYNC_TICKS = 30;

/**
 * A player's side of the arena: syncs its clock to the server's tick timeline, runs its own fixed-step
 * loop a little ahead of the server (by half the round trip plus 1-2 ticks, kept there by the server's
 * margin reports), sends each tick's input at once (repeating the unacked ones), predicts its own
 * vehicle and draws everything else in the past. Call `update(now)` once per frame and draw
 * `frame(now)`.
 */
export class ArenaClient {
  readonly synced: SyncedState<typeof GAME_ENTITY_TYPES>;
  readonly clockSync = new ClockSync();
  readonly loop = new FixedStepLoop({ tickRate: TICK_RATE });
  readonly remote: RemoteView;
  readonly #rate = new TickRateController();
  readonly #history = new InputHistory<NetInput>();
  readonly #options: ArenaClientOptions;
  readonly #arena: Arena;
  readonly #clock: { now(): number };
  #tick: number | undefined;
  #status: PlayerStatus | undefined;
  #own: OwnPrediction | undefined;
  #vehicleEntity: number | undefined;
  /** Players' vehicle ids to their sync entity ids. */
  readonly #entities = new Map<number, number>();
  #lastSnapshotTick = -1;
  /** Server time the last frame drew remote entities at: what a shot was aimed in. */
  #drawnAt: number | undefined;
  /** Local time the page was hidden at, while it is. */
  #hiddenAt: number | undefined;

  constructor(options: ArenaClientOptions) {
    this.#options = options;
    this.remote = new RemoteView(
      options.onPeerDisagreement ? { onDisagreement: options.onPeerDisagreement } : {},
    );
    this.#arena = options.arena ?? DEFAULT_ARENA;
    this.#clock = options.clock ?? { now: () => performance.now() };
    this.synced = new SyncedState(options.link, {
      types: GAME_ENTITY_TYPES,
      ...(options.clock ? { clock: options.clock } : {}),
      // An input leaves every `inputEvery` ticks and carries the newest ack: a snapshot's ack waits for it
      // (a tick's time and a little) rather than go alone. A datagram fewer per snapshot, 20 a second:
      // each costs a browser's main thread about as much as decoding a snapshot (BENCHMARKS.md, "A
      // player's page on a throttled CPU").
      ackDelayMs: Math.ceil(TICK_MS * (options.inputEvery ?? 1)) + 2,
    });
    this.synced.on('app', (bytes) => this.#onApp(bytes));
    this.synced.on('snapshot', ({ seq, tick, complete }) => this.#onSnapshot(seq, tick, complete));
    this.synced.on('remove', ({ id }) => {
      this.remote.forget(id);
      for (const [vehicleId, entity] of this.#entities) if (entity === id) this.#entities.delete(vehicleId);
    });
    this.synced.on('error', (error) => this.#options.onBadMessage?.(error));
  }

  /** The newest status the server sent (input ack, margin, own vehicle). */
  get status(): PlayerStatus | undefined {
    return this.#status;
  }

  get tick(): number | undefined {
    return this.#tick;
  }

  get ownVehicleId(): number | undefined {
    return this.#status?.vehicleId;
  }

  /** The prediction of the player's own vehicle, once the server gave it one. */
  get prediction(): OwnPrediction | undefined {
    return this.#own;
  }

  /** The sync entity id of a player's vehicle, once a snapshot carried it. */
  entityOfVehicle(vehicleId: number): number | undefined {
    return this.#entities.get(vehicleId);
  }

  /**
   * A peer's sample of its own vehicle at `tick` on the server's timeline: extends that vehicle past the
   * newest snapshot (clamped near the server's state). False when it was not used.
   */
  receivePeerSample(vehicleId: number, tick: number, state: VehicleState): boolean {
    const entity = this.#entities.get(vehicleId);
    if (entity === undefined || vehicleId === this.#status?.vehicleId) return false;
    return this.remote.pushPeerSample(entity, tick * TICK_MS, state);
  }

  /** Runs the ticks that are due: clock probes, inputs, prediction. */
  update(now: number): void {
    if (this.clockSync.probeDue(now)) {
      this.clockSync.probeSent(now);
      this.synced.sendApp(encodeClockProbe(now));
    }
    // A hidden page idles: no ticks, and no start-over either (it would wake the loop up).
    if (!this.clockSync.synced || this.loop.hidden) return;
    // The next tick to run goes out one loop tick from now, and must reach the server before it simulates
    // that tick: half the round trip plus a tick of margin ahead of the server's timeline.
    const target = this.clockSync.remoteNow(now) / TICK_MS + 1 + this.#leadTicks();
    if (this.#tick === undefined || Math.abs(this.#tick - target) > RESYNC_TICKS) {
      // Start (or start over, after a long stall) at the right distance ahead of the server.
      const tick = Math.ceil(target);
      if (this.#tick !== undefined && tick < this.#tick) {
        // Back in time (the clock estimate jumped back): inputs recorded for the ticks ahead were never
        // consumed as they are, and the history takes increasing ticks only. Both start over from here;
        // the next snapshot puts the prediction back on the server's state.
        this.#history.clear();
        this.#own?.restart();
      }
      this.#tick = tick;
      this.loop.setHidden(true, now);
      this.loop.setHidden(false, now);
      this.loop.advance(now);
    }
    this.loop.setRateScale(this.#rate.rateScale(now), now);
    const dropped = this.loop.droppedTicks;
    const due = this.loop.advance(now);
    // Ticks the loop dropped (a stall longer than its catch-up) are gone from the server's timeline too:
    // skip them, or every input from here on would reach the server after its tick.
    this.#skip(this.loop.droppedTicks - dropped);
    for (let index = 0; index < due; index++) this.#runTick();
  }

  /** A hidden page idles (no inputs, no catch-up); shown again, it starts from the present. */
  setHidden(hidden: boolean, now: number): void {
    if (hidden === this.loop.hidden) return;
    this.loop.setHidden(hidden, now);
    if (hidden) {
      this.#hiddenAt = now;
    } else if (this.#hiddenAt !== undefined) {
      // The server's timeline went on meanwhile: the next tick is as far on as the page was hidden. (The
      // loop resumes where it stopped, so without this a short hide left every input late until the rate
      // controller, at 3%, had made up the gap: seconds of inputs refused as stale.)
      this.#skip(Math.round((now - this.#hiddenAt) / TICK_MS));
      this.#hiddenAt = undefined;
    }
  }

  frame(now: number): ArenaFrame {
    const own = this.#own?.render(now, this.loop.alpha(now));
    const { vehicles, rockets, renderTime } = this.remote.sample(now, this.#vehicleEntity);
    this.#drawnAt = renderTime;
    return {
      tick: this.#tick,
      renderTime,
      own,
      vehicles: vehicles.map((drawn) => ({ ...drawn, vehicleId: (drawn.state as Vehicle).id })),
      rockets,
    };
  }

  dispose(): void {
    this.synced.dispose();
  }

  /** Moves the next tick on by `ticks` without running them (the prediction restarts at the next one). */
  #skip(ticks: number): void {
    if (this.#tick !== undefined && ticks > 0) this.#tick += ticks;
  }

  #leadTicks(): number {
    return leadTicks(this.clockSync.rttMs ?? 0, TICK_RATE, 1);
  }

  #runTick(): void {
    const tick = this.#tick as number;
    this.#tick = tick + 1;
    // Predict with exactly what the server will decode: the wire's quantization of the controls.
    const input = quantizeInput(this.#options.sampleInput(tick));
    const view = input.fire ? this.#shotView(tick) : undefined;
    this.#history.record(tick, view ? { input, view } : { input });
    const own = this.#own;
    if (own) {
      // Behind (the prediction began, or was overtaken by the server, at an earlier tick): go on from the
      // state it has; the next reconciliations replay from complete input history again.
      if (own.tick !== undefined && own.tick !== tick - 1) own.restart();
      own.predict(tick, input);
    }
    if (tick % (this.#options.inputEvery ?? 1) === 0) {
      const packet = this.#history.packet();
      if (packet) this.synced.sendInput(encodeInputMessage(packet));
    }
  }

  /** Where this player saw the others when it fired: the render time of the frame on screen. */
  #shotView(tick: number): ShotView | undefined {
    const renderTime = this.#drawnAt;
    if (renderTime === undefined) return undefined;
    const viewTick = Math.floor(renderTime / TICK_MS);
    const ticksBack = tick - viewTick;
    const delay = this.remote.delay;
    if (ticksBack < 0 || ticksBack > MAX_TICKS_BACK) return undefined;
    return {
      ticksBack,
      fraction: renderTime / TICK_MS - viewTick,
      // The delay the frame was drawn with: while the target comes down the render clock follows slowly,
      // and the target alone would understate how far back the frame lies (the server refuses a reach
      // its round trip and the stated delay do not explain).
      interpDelayMs: Math.round(Math.max(delay.targetDelayMs, delay.appliedDelayMs ?? 0)),
    };
  }

  #onApp(bytes: Uint8Array): void {
    let message: ReturnType<typeof decodeGameMessage>;
    try {
      message = decodeGameMessage(bytes, 'server');
    } catch (error) {
      this.#options.onBadMessage?.(error as ProtocolError);
      return;
    }
    const now = this.#clock.now();
    if (message.type === 'clock-reply') {
      this.clockSync.onSample(message.sentAt, message.receivedAt, message.repliedAt, now);
    } else if (message.type === 'status') {
      const status = message.status;
      this.#status = status;
      if (status.consumedTick !== undefined) this.#history.ack(status.consumedTick);
      if (status.margin !== undefined) this.#rate.onMarginReport(status.margin, now);
    }
  }

  #onSnapshot(seq: number, tick: number, complete: boolean): void {
    const now = this.#clock.now();
    const serverTime = tick * TICK_MS;
    this.remote.onSnapshot(serverTime, now, seq);
    const newer = tick > this.#lastSnapshotTick;
    this.#lastSnapshotTick = Math.max(this.#lastSnapshotTick, tick);
    for (const entity of this.synced.entities()) {
      // Entities left out by the byte budget keep the time they were last sent.
      const at = complete || entity.tick === tick ? serverTime : entity.tick * TICK_MS;
      if (isEntityOf(entity, VehicleEntity)) {
        const vehicleId = vehicleIdOf(entity);
        this.#entities.set(vehicleId, entity.id);
        if (vehicleId === this.#status?.vehicleId) this.#vehicleEntity = entity.id;
        this.remote.pushVehicle(entity.id, at, entity.state);
      } else if (isEntityOf(entity, RocketEntity)) {
        this.remote.pushRocket(entity.id, at, entity.state);
      }
    }
    if (newer) this.#reconcile(tick, now);
    if (complete && tick % (this.#options.hashEvery ?? 60) === 0) this.#reportHash(tick);
  }

  /** The snapshot of tick T is the world after the server consumed inputs up to T - 1. */
  #reconcile(tick: number, now: number): void {
    const vehicleId = this.#status?.vehicleId;
    if (vehicleId === undefined) return;
    const world = snapshotWorld(this.synced, this.#arena, tick);
    if (!world.vehicles.some((vehicle) => vehicle.id === vehicleId)) {
      // Gone from the server's world (wrecked, until it respawns): nothing to drive or draw. Predicting
      // on would let the player drive a car that is not there; the next snapshot with it starts over.
      this.#own = undefined;
      return;
    }
    if (this.#own === undefined || this.#own.vehicleId !== vehicleId) {
      this.#own = new OwnPrediction(vehicleId, world);
      return;
    }
    const correction = this.#own.reconcile(tick - 1, world, now);
    this.#options.onCorrection?.(correction, tick - 1);
  }

  #reportHash(tick: number): void {
    const entries: [number, EntityCodes][] = [];
    for (const entity of this.synced.entities()) {
      const codes = this.synced.codesOf(entity.id);
      if (codes) entries.push([entity.id, codes]);
    }
    this.synced.sendApp(encodeHashReport(tick, hashSyncedEntities(entries)));
  }
}
