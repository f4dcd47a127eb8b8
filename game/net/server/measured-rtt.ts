/**
 * A player's round trip for checking its shots (ms): the largest of the measurements given that exist
 * (e.g. a room member's newest WebSocket heartbeat, `RoomClient.rttMs`, 0 until the first, and its server
 * link's keepalives, `link.stats().rttMs`, NaN until measured); undefined while none does. The largest,
 * because a round trip that grew since it was last measured must not get an honest player's shots
 * refused: the check is there to stop a claim of a whole second with no delay, not to shave milliseconds.
 */
export function measuredRttMs(...measurements: readonly number[]): number | undefined {
  let rtt: number | undefined;
  for (const ms of measurements) if (Number.isFinite(ms) && ms > 0) rtt = Math.max(rtt ?? 0, ms);
  return rtt;
}
