import { type Disposer, Emitter } from '../../common/index.js';
import { type DeviceClass, type DeviceReport, deviceClassOf } from '../../transport/index.js';

/** The device as the client reports it, and the class the server will treat it as. */
export interface DeviceState {
  report: DeviceReport;
  class: DeviceClass;
}

interface BatteryLike {
  level: number;
  charging: boolean;
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
}

interface EventTargetLike {
  addEventListener?(type: string, listener: () => void): void;
  removeEventListener?(type: string, listener: () => void): void;
}

/** What the watch reads from; the page's own globals by default (tests pass their own). */
export interface DeviceEnvironment {
  navigator?: {
    hardwareConcurrency?: number;
    deviceMemory?: number;
    connection?: EventTargetLike & { effectiveType?: string; saveData?: boolean };
    getBattery?: () => Promise<BatteryLike>;
  };
  document?: EventTargetLike & { visibilityState?: string; hidden?: boolean };
}

const EFFECTIVE_TYPES = new Set(['slow-2g', '2g', '3g', '4g']);

/**
 * Gathers what the browser tells about the device (feature-detected: Node and many browsers expose only
 * some of it, or none) and watches what changes: page visibility, battery, connection. `change` fires
 * with the new state; every listener returns its disposer.
 */
export class DeviceWatch {
  readonly #env: DeviceEnvironment;
  readonly #events = new Emitter<{ change: DeviceState }>();
  readonly #disposers: Disposer[] = [];
  #battery: BatteryLike | undefined;
  #state: DeviceState;
  #closed = false;

  constructor(env: DeviceEnvironment = globalThis as DeviceEnvironment) {
    this.#env = env;
    this.#state = this.#read();
    this.#listen(env.document, 'visibilitychange');
    this.#listen(env.navigator?.connection, 'change');
    const getBattery = env.navigator?.getBattery;
    if (typeof getBattery === 'function') {
      getBattery
        .call(env.navigator)
        .then((battery) => {
          if (this.#closed) return;
          this.#battery = battery;
          this.#listen(battery, 'levelchange');
          this.#listen(battery, 'chargingchange');
          this.refresh();
        })
        .catch(() => {
          // No battery information (refused or absent): the report goes without it.
        });
    }
  }

  get state(): DeviceState {
    return this.#state;
  }

  on(event: 'change', listener: (state: DeviceState) => void): Disposer {
    return this.#events.on(event, listener);
  }

  /** Reads everything again; `change` fires if anything differs. */
  refresh(): void {
    const next = this.#read();
    if (JSON.stringify(next.report) === JSON.stringify(this.#state.report)) return;
    this.#state = next;
    this.#events.emit('change', next);
  }

  close(): void {
    this.#closed = true;
    for (const dispose of this.#disposers.splice(0)) dispose();
    this.#events.removeAll();
  }

  #listen(target: EventTargetLike | undefined, type: string): void {
    if (typeof target?.addEventListener !== 'function') return;
    const listener = () => this.refresh();
    target.addEventListener(type, listener);
    this.#disposers.push(() => target.removeEventListener?.(type, listener));
  }

  #read(): DeviceState {
    const { navigator, document } = this.#env;
    const report: DeviceReport = {};
    if (document && (document.visibilityState !== undefined || document.hidden !== undefined))
      report.hidden = document.visibilityState === 'hidden' || document.hidden === true;
    const cores = navigator?.hardwareConcurrency;
    if (typeof cores === 'number' && Number.isInteger(cores) && cores >= 1)
      report.cores = Math.min(cores, 1024);
    const memory = navigator?.deviceMemory;
    if (typeof memory === 'number' && memory >= 0) report.memoryGb = Math.min(memory, 1024);
    const connection = navigator?.connection;
    if (
      connection &&
      typeof connection.effectiveType === 'string' &&
      EFFECTIVE_TYPES.has(connection.effectiveType)
    )
      report.effectiveType = connection.effectiveType as NonNullable<DeviceReport['effectiveType']>;
    if (connection && typeof connection.saveData === 'boolean') report.saveData = connection.saveData;
    const battery = this.#battery;
    if (battery && typeof battery.level === 'number' && battery.level >= 0 && battery.level <= 1)
      report.battery = { level: battery.level, charging: battery.charging === true };
    return { report, class: deviceClassOf(report) };
  }
}

/**
 * The phys send rate (Hz) a client should use towards its peers on this device: the game's normal rate
 * on a normal device, lower on a low-end one or when saving, and 5 Hz (at most) on a hidden page.
 */
export function physRateFor(device: DeviceClass, normalHz: number): number {
  switch (device) {
    case 'hidden':
      return Math.min(normalHz, 5);
    case 'saving':
      return Math.min(normalHz, 10);
    case 'low-end':
      return Math.min(normalHz, 15);
    case 'normal':
      return normalHz;
  }
}
