import type { Link } from '../../src/transport/index.js';
import { sleep } from './server.js';

/**
 * A pair of node-datachannel links whose handshake completed. libdatachannel, with both ends in one
 * process, now and then fails a DTLS handshake right after ICE connects ("certificate verify failed" /
 * "unknown CA"), more often on a loaded machine; the product's links retry such an attempt (ServerLink,
 * PeerLink), a bare pair does not. Tests about a link that came up take one from here: a pair that fails
 * or does not come up within `settleMs` is disposed and replaced, up to `tries` times.
 */
export async function connectedPair<Pair extends { a: Link; b: Link; dispose(): Promise<void> }>(
  make: () => Pair,
  tries = 5,
  settleMs = 5_000,
): Promise<Pair> {
  for (let attempt = 1; ; attempt++) {
    const pair = make();
    const settled = () => pair.a.state !== 'connecting' && pair.b.state !== 'connecting';
    for (let waited = 0; waited < settleMs && !settled(); waited += 20) await sleep(20);
    if (pair.a.state === 'direct' && pair.b.state === 'direct') return pair;
    await pair.dispose();
    if (attempt === tries) throw new Error(`no pair came up in ${tries} attempts`);
  }
}
