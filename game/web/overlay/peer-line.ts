/**
 * The network overlay's line for one peer: its name, how the link goes (direct, relayed, or the state it
 * is in), its round trip when measured, and, while relayed, the car samples the relay's 20 Hz gate
 * replaced (the peer sent faster than a relayed peer is updated). Not while direct: the count is the
 * link's whole life's, and a direct path replaces none.
 */
export function peerLine(
  name: string,
  state: string,
  stats: { readonly rttMs: number; readonly samplesReplaced: number },
): string {
  const rtt = Number.isFinite(stats.rttMs) ? ` · ${Math.round(stats.rttMs)} ms` : '';
  const replaced =
    state === 'relayed' && stats.samplesReplaced > 0 ? ` · ${stats.samplesReplaced} replaced` : '';
  return `${name}: ${state}${rtt}${replaced}`;
}
