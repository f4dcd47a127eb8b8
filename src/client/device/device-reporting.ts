import { encodeMessage, Kind } from '../../protocol/index.js';
import { encodeDeviceReport, RELAY_CONTROL } from '../../transport/index.js';
import type { SessionSends } from '../session-sends.js';
import { type DeviceEnvironment, type DeviceState, DeviceWatch } from './device-watch.js';

/** What reporting the device needs of the client: its sends, whether it is open, and its `device` event. */
export interface DeviceReportingClient {
  readonly sends: SessionSends;
  isOpen(): boolean;
  /** The device changed: the app's `device` event. */
  changed(state: DeviceState): void;
}

/** The client's watch of its device (the page hidden, the battery, the network), told to the server. */
export class DeviceReporting {
  readonly #client: DeviceReportingClient;
  /** Where device facts come from (the `device` option): kept to watch the page again after a close. */
  readonly #environment: DeviceEnvironment | false | undefined;
  #watch: DeviceWatch | undefined;

  constructor(environment: DeviceEnvironment | false | undefined, client: DeviceReportingClient) {
    this.#environment = environment;
    this.#client = client;
  }

  /** What this client reports about its device, and the class the server treats it as. */
  get state(): DeviceState {
    return this.#watch?.state ?? { report: {}, class: 'normal' };
  }

  /** Starts watching the device (unless the `device` option is false), in place of a watch closed. */
  watch(): void {
    if (this.#environment === false) return;
    this.#watch?.close();
    const device = new DeviceWatch(this.#environment);
    device.on('change', (state) => {
      this.report();
      this.#client.changed(state);
    });
    this.#watch = device;
  }

  /** Stops watching, with the session closed. */
  close(): void {
    this.#watch?.close();
  }

  /**
   * Tells the server about the device: on every welcome and on every change. It goes on the server
   * link's control channel over the WebSocket, whatever path the link uses; old servers ignore it.
   */
  report(): void {
    if (!this.#watch || !this.#client.isOpen()) return;
    const inner = encodeMessage(Kind.DatagramToServer, {
      c: RELAY_CONTROL,
      p: [encodeDeviceReport(this.#watch.state.report)],
    });
    // Keyed: held back (a resume's replay spends the rate), the newest report waits rather than be lost.
    // Over the server's frame limit (a welcome naming one below it), dropped as volatile messages may be:
    // thrown from the welcome, it left the socket's handler before 'open', and `connect()` never settled.
    this.#client.sends.sendVolatileOrDrop(inner, 'device');
  }
}
