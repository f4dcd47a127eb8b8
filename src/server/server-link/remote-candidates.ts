import { isIP } from 'node:net';
import { MAX_EARLY_CANDIDATES } from '../../transport/core.js';

/**
 * Remote candidates one direct attempt hands the native stack at most, trickled and in the answer's SDP
 * alike. An honest client gathers a few (one or so per interface and ICE server). libdatachannel keeps
 * every candidate it is given in the remote description for the connection's life (libjuice uses only
 * its first few), so without a bound a client trickling candidates at its message rate grew that for as
 * long as the attempt lasted.
 */
export const MAX_REMOTE_CANDIDATES = MAX_EARLY_CANDIDATES;

/**
 * Whether a candidate (`candidate:...` or `a=candidate:...`) names its address as an IP address. For a
 * name, libdatachannel starts a detached thread that looks it up (DNS, for as long as the lookup takes):
 * a client trickling names made the server start a thread and a DNS query of the client's choosing for
 * each. A browser's names are mDNS `.local` ones, which the server cannot look up across networks anyway;
 * its checks reach the server regardless (the server learns its address from them, peer-reflexive).
 */
export function hasIpAddress(candidate: string): boolean {
  const line = candidate.startsWith('a=') ? candidate.slice(2) : candidate;
  const address = line.trim().split(/\s+/)[4];
  return address !== undefined && isIP(address) !== 0;
}

/**
 * The answer's SDP with only the candidate lines the stack may take: those with an IP address, at most
 * `room` of them. Returns the SDP and how many candidate lines it kept.
 */
export function answerCandidatesWithin(sdp: string, room: number): { sdp: string; kept: number } {
  let kept = 0;
  const lines = sdp.split(/\r?\n/).filter((line) => {
    if (!line.startsWith('a=candidate:')) return true;
    if (kept >= room || !hasIpAddress(line)) return false;
    kept++;
    return true;
  });
  return { sdp: lines.join('\r\n'), kept };
}
