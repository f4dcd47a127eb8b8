/**
 * The ICE policy for a peer connection in a room. A relay-only room forces TURN ('relay'); so may the
 * app. A relay policy with no TURN server can never connect, so it is reported as unusable and callers
 * go to the server relay (data) or say so (voice) at once instead of waiting out a timeout.
 */
export function icePolicyFor(
  peerPrivacy: 'open' | 'relay-only',
  iceServers: readonly RTCIceServer[],
  requested: RTCIceTransportPolicy | undefined,
): { iceTransportPolicy: RTCIceTransportPolicy | undefined; usable: boolean } {
  const iceTransportPolicy = peerPrivacy === 'relay-only' ? 'relay' : requested;
  const usable = iceTransportPolicy !== 'relay' || iceServers.some(isTurnServer);
  return { iceTransportPolicy, usable };
}

/** `turn:` or `turns:` in any case: URL schemes are case-insensitive (RFC 3986), so `TURN:` is TURN too. */
const TURN_SCHEME = /^turns?:/i;

function isTurnServer(server: RTCIceServer): boolean {
  const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
  return urls.some((url) => TURN_SCHEME.test(url));
}
