import type { NativeRtc } from './native-rtc-link.js';

/** A bound ICE UDP mux port, as node-datachannel's `IceUdpMuxListener` gives it. */
interface Holder {
  stop(): void;
}

/**
 * The process's ICE UDP mux ports, kept bound from the first server that binds one until the process
 * exits. libjuice (node-datachannel 0.33) keeps a mux port's socket after its listener is stopped, and a
 * new listener on that port then fails for good ("Failed to register ICE UDP mux listener", still after
 * 90 s): a server closed and started again in the same process on its configured `udpPort` (a test run,
 * a dev reload) could never bind it again. So a closed server parks its port here, and the next server
 * in this process asking for that port and address takes it back instead of binding anew.
 */
const parked = new Map<string, Holder>();

const keyOf = (port: number, address: string | undefined) => `${address ?? '*'}:${port}`;

/** Binds `port` on `address` for a server, or takes it back from one closed before. Throws when taken. */
export function holdUdpPort(native: NativeRtc, port: number, address: string | undefined): Holder {
  const key = keyOf(port, address);
  const kept = parked.get(key);
  if (kept !== undefined) {
    parked.delete(key);
    return kept;
  }
  return new native.IceUdpMuxListener(port, address);
}

/** The server is done with the port: parked for the next server in this process (see above). */
export function releaseUdpPort(holder: Holder, port: number, address: string | undefined): void {
  const key = keyOf(port, address);
  // Two holders of one port cannot exist (the second bind fails), but stopping an extra one costs nothing.
  if (parked.has(key)) holder.stop();
  else parked.set(key, holder);
}
