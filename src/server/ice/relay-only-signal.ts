/**
 * Relay-only privacy, enforced where players cannot get around it: signaling passes through the server,
 * so the server removes every ICE candidate that is not a TURN relay candidate before a peer sees it.
 * A host or server-reflexive candidate carries the player's own address (mDNS names included); a relay
 * candidate carries the TURN server's, and in its `raddr`/`rport` the address TURN saw the player
 * come from (its public, mapped address), which the server blanks to `0.0.0.0 0`: browsers blank them
 * only under their own 'relay' policy, and ICE does not use them. Whatever the player's client does, the
 * peer learns no address but TURN's, and the player's packets reach the peer only through TURN.
 *
 * Signals are opaque app data to the server, so this walks any JSON shape: `sdp` strings lose their
 * non-relay `a=candidate` lines; a trickled `candidate` string that is not a relay candidate makes the
 * whole signal go (one trickled candidate per signal is what browsers send).
 */
export function relayOnlySignal(signal: unknown): unknown {
  return filter(signal, 0);
}

/** Signals are at most 16 KiB; their nesting is shallow. Deeper than this is not a real signal. */
const MAX_DEPTH = 16;
const DROP = Symbol('drop');

function filter(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return undefined;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const kept = filter(item, depth + 1);
      if (kept === undefined && item !== undefined) return undefined;
      out.push(kept);
    }
    return out;
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const kept = filterField(key, field, depth);
    if (kept === DROP) return undefined;
    // defineProperty: a key named `__proto__` stays data, as it was in the signal.
    Object.defineProperty(out, key, { value: kept, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function filterField(key: string, field: unknown, depth: number): unknown {
  if (key === 'sdp' && typeof field === 'string') return stripNonRelayCandidates(field);
  if (key === 'candidate' && typeof field === 'string') {
    // An empty candidate marks the end of candidates: no address in it.
    if (field === '') return field;
    return isRelayCandidate(field) ? hideRelatedAddress(field) : DROP;
  }
  if (field !== null && typeof field === 'object') {
    const kept = filter(field, depth + 1);
    return kept === undefined ? DROP : kept;
  }
  return field;
}

/**
 * Drops non-relay candidate lines, blanks the related address of the relay ones, and blanks the default
 * address of `c=` and `a=rtcp:` lines, which can hold a host address when a client gathered before
 * sending; ICE does not need them.
 */
export function stripNonRelayCandidates(sdp: string): string {
  return sdp
    .split(/\r?\n/)
    .filter((line) => !line.startsWith('a=candidate:') || isRelayCandidate(line.slice(2)))
    .map((line) => {
      if (line.startsWith('a=candidate:')) return `a=${hideRelatedAddress(line.slice(2))}`;
      if (line.startsWith('c=IN ') || line.startsWith('a=rtcp:'))
        return line.replace(/IN IP4 \S+/, 'IN IP4 0.0.0.0').replace(/IN IP6 \S+/, 'IN IP6 ::');
      return line;
    })
    .join('\r\n');
}

/**
 * A candidate with `raddr` and `rport` set to `0.0.0.0` and `0`, as browsers write them when they hide
 * them. After `typ <type>` a candidate line is name/value pairs, so only a value named `raddr` or
 * `rport` changes (never, say, a ufrag that happens to read "raddr").
 */
export function hideRelatedAddress(candidate: string): string {
  const parts = candidate.trim().split(/\s+/);
  let hidden = false;
  for (let name = 8; name + 1 < parts.length; name += 2) {
    const blank = parts[name] === 'raddr' ? '0.0.0.0' : parts[name] === 'rport' ? '0' : undefined;
    if (blank === undefined || parts[name + 1] === blank) continue;
    parts[name + 1] = blank;
    hidden = true;
  }
  return hidden ? parts.join(' ') : candidate;
}

/** `candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...` */
export function isRelayCandidate(candidate: string): boolean {
  const parts = candidate.trim().split(/\s+/);
  const typ = parts.indexOf('typ');
  return parts[0]?.startsWith('candidate:') === true && typ === 6 && parts[typ + 1] === 'relay';
}
