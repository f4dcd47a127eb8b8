const POLICIES: readonly unknown[] = ['all', 'relay'] satisfies RTCIceTransportPolicy[];

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function isIceServer(server: unknown): boolean {
  if (!isObject(server)) return false;
  const { urls } = server;
  return typeof urls === 'string' || (Array.isArray(urls) && urls.every((url) => typeof url === 'string'));
}

/**
 * Throws a TypeError naming the part of the mesh's `rtc` option of the wrong shape. Read only at a direct
 * attempt, such a value threw out of a peer's signal or a retry timer, or, as a connection the browser
 * would not make, sent every link to the relay without a word; a link whose peer starts the attempts
 * never touched it in `room.mesh()`.
 */
export function checkRtcOption(rtc: unknown): void {
  if (rtc === undefined || rtc === false) return;
  if (!isObject(rtc)) throw new TypeError(`mesh option 'rtc' must be false or an object, got ${String(rtc)}`);
  const { RTCPeerConnection, iceServers, iceTransportPolicy, extraConfiguration } = rtc;
  if (RTCPeerConnection !== undefined && typeof RTCPeerConnection !== 'function') {
    throw new TypeError(
      "mesh option 'rtc.RTCPeerConnection' must be a constructor (the browser's, or a polyfill)",
    );
  }
  if (iceServers !== undefined && !(Array.isArray(iceServers) && iceServers.every(isIceServer))) {
    throw new TypeError("mesh option 'rtc.iceServers' must be an array of { urls, username?, credential? }");
  }
  if (iceTransportPolicy !== undefined && !POLICIES.includes(iceTransportPolicy)) {
    throw new TypeError("mesh option 'rtc.iceTransportPolicy' must be 'all' or 'relay'");
  }
  if (extraConfiguration !== undefined && !isObject(extraConfiguration)) {
    throw new TypeError("mesh option 'rtc.extraConfiguration' must be an object");
  }
}
