/**
 * What one process of the CCU benchmark reports about a window: its CPU (user + system, every thread:
 * node-datachannel's native ones count), its event-loop lag, and, in the server, the timing of every
 * room tick. `mark()` starts a window, `read()` ends it.
 */
import { type IntervalHistogram, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { percentile } from '../../results.js';

export interface WindowReading {
  seconds: number;
  /** CPU ms per wall second, all threads (1,000 = one core busy). */
  cpuMsPerSecond: number;
  /**
   * The part of `cpuMsPerSecond` spent in the kernel (system time): sockets, epoll and, on loopback, the
   * delivery of what the process sends into the receiving socket. It is the part every system pays alike
   * per message; the rest (user time) is what the libraries themselves cost.
   */
  kernelCpuMsPerSecond: number;
  /**
   * Minor page faults per second: pages the process touched for the first time since the kernel gave
   * or took them back (a growing or shrinking heap). Each costs kernel time, counted in the above.
   */
  minorFaultsPerSecond: number;
  /** Time in garbage collection, ms per wall second (main-thread pauses, as V8 reports them). */
  gcMsPerSecond: number;
  /** Event-loop delay over the window (ms). */
  loopLagP50: number;
  loopLagP99: number;
  loopLagMax: number;
  /** Room ticks in the window, and their times (ms): see `TickMeter.tick`. */
  ticks: number;
  tickP50: number;
  tickP99: number;
  tickMax: number;
  /** The work inside the ticks alone (ms). */
  tickWorkP50: number;
  tickWorkP99: number;
  /** Counters per second: the server counts inputs received and snapshots sent, bots the reverse. */
  inputsPerSecond: number;
  snapshotsPerSecond: number;
  /**
   * vehikill-net's server only (0 elsewhere): snapshot bodies encoded per second, one per distinct
   * (frame a member is in step at, predictor) per room tick; the rest of the snapshots copy one of them.
   */
  bodiesPerSecond: number;
}

const MAX_SAMPLES = 200_000;

export class LoadMeter {
  inputs = 0;
  snapshots = 0;
  bodies = 0;
  #ticks: number[] = [];
  #work: number[] = [];
  #at = performance.now();
  #cpu = process.cpuUsage();
  #faultsAtMark = process.resourceUsage().minorPageFault;
  #gcMs = 0;
  #inputsAtMark = 0;
  #snapshotsAtMark = 0;
  #bodiesAtMark = 0;
  readonly #lag: IntervalHistogram;

  constructor() {
    this.#lag = monitorEventLoopDelay({ resolution: 5 });
    this.#lag.enable();
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.#gcMs += entry.duration;
    }).observe({ entryTypes: ['gc'] });
  }

  /**
   * Records one room tick. Its time is how late the tick's timer fired (past one period after the
   * previous firing of that room's timer: the wait behind other rooms and I/O) plus the tick's own work:
   * when that passes the tick period, the room is no longer keeping its rate.
   */
  tick(lateMs: number, workMs: number): void {
    if (this.#ticks.length >= MAX_SAMPLES) return;
    this.#ticks.push(Math.max(0, lateMs) + workMs);
    this.#work.push(workMs);
  }

  mark(): void {
    this.#ticks = [];
    this.#work = [];
    this.#at = performance.now();
    this.#cpu = process.cpuUsage();
    this.#faultsAtMark = process.resourceUsage().minorPageFault;
    this.#gcMs = 0;
    this.#inputsAtMark = this.inputs;
    this.#snapshotsAtMark = this.snapshots;
    this.#bodiesAtMark = this.bodies;
    this.#lag.reset();
  }

  read(): WindowReading {
    const seconds = (performance.now() - this.#at) / 1_000;
    const cpu = process.cpuUsage(this.#cpu);
    const ticks = [...this.#ticks].sort((a, b) => a - b);
    const work = [...this.#work].sort((a, b) => a - b);
    const ms = (ns: number) => ns / 1e6;
    return {
      seconds,
      cpuMsPerSecond: (cpu.user + cpu.system) / 1_000 / seconds,
      kernelCpuMsPerSecond: cpu.system / 1_000 / seconds,
      minorFaultsPerSecond: (process.resourceUsage().minorPageFault - this.#faultsAtMark) / seconds,
      gcMsPerSecond: this.#gcMs / seconds,
      loopLagP50: ms(this.#lag.percentile(50)),
      loopLagP99: ms(this.#lag.percentile(99)),
      loopLagMax: ms(this.#lag.max),
      ticks: ticks.length,
      tickP50: percentile(ticks, 50),
      tickP99: percentile(ticks, 99),
      tickMax: ticks.at(-1) ?? Number.NaN,
      tickWorkP50: percentile(work, 50),
      tickWorkP99: percentile(work, 99),
      inputsPerSecond: (this.inputs - this.#inputsAtMark) / seconds,
      snapshotsPerSecond: (this.snapshots - this.#snapshotsAtMark) / seconds,
      bodiesPerSecond: (this.bodies - this.#bodiesAtMark) / seconds,
    };
  }
}

/**
 * Times the ticks of one room. Driven by a plain `setInterval` ('restart'), Node schedules each firing one
 * period after the previous one started, so a firing's lateness is its start minus (previous start +
 * period). Driven by `Room.clock.setInterval` ('phase'), each firing is due one period after the previous
 * one was due (periods missed whole skipped), so its lateness is its start minus that due time: a room
 * running late tick after tick is counted late every time, not only at the first.
 */
export class RoomTickClock {
  #previousStart: number | undefined;
  /** 'phase': when the previous firing was due. */
  #due: number | undefined;
  readonly #periodMs: number;
  readonly #meter: LoadMeter;
  readonly #schedule: 'restart' | 'phase';

  constructor(meter: LoadMeter, periodMs: number, schedule: 'restart' | 'phase' = 'restart') {
    this.#meter = meter;
    this.#periodMs = periodMs;
    this.#schedule = schedule;
  }

  /** Call at the start of a tick; returns the lateness of this firing (ms). */
  started(): { startedAt: number; lateMs: number } {
    const startedAt = performance.now();
    const period = this.#periodMs;
    let lateMs: number;
    if (this.#schedule === 'phase') {
      // The first firing is taken as on time: it is due a period after the room started its interval.
      let due = this.#due === undefined ? startedAt : this.#due + period;
      if (startedAt - due >= period) due += Math.floor((startedAt - due) / period) * period;
      this.#due = due;
      lateMs = startedAt - due;
    } else {
      lateMs = this.#previousStart === undefined ? 0 : startedAt - this.#previousStart - period;
    }
    this.#previousStart = startedAt;
    return { startedAt, lateMs };
  }

  /** Runs one tick and records it. */
  run(step: () => void): void {
    const { startedAt, lateMs } = this.started();
    step();
    this.#meter.tick(lateMs, performance.now() - startedAt);
  }
}
