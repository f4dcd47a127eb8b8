import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hideRelatedAddress,
  isRelayCandidate,
  relayOnlySignal,
} from '../../../src/server/ice/relay-only-signal.js';

const host = 'candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host generation 0 ufrag abcd';
const mdns = 'candidate:2 1 udp 2122260223 6c1e0d2a-4f1b-4c1e-9d0a-1f2e3d4c5b6a.local 54401 typ host';
const tcpHost = 'candidate:3 1 tcp 1518280447 10.0.0.5 9 typ host tcptype active';
const srflx = 'candidate:4 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.168.1.20 rport 54400';
const relay = 'candidate:5 1 udp 41885439 198.51.100.9 49160 typ relay raddr 203.0.113.7 rport 61000';
/** The same relay candidate as it reaches the peer: TURN's address, the player's mapped one blanked. */
const relayHidden = 'candidate:5 1 udp 41885439 198.51.100.9 49160 typ relay raddr 0.0.0.0 rport 0';

const sdp = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=application 54400 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 192.168.1.20',
  `a=${host}`,
  `a=${srflx}`,
  `a=${relay}`,
  `a=${mdns}`,
  'a=rtcp:9 IN IP4 192.168.1.20',
  'a=mid:0',
  '',
].join('\r\n');

describe('relay-only signaling filter', () => {
  it('keeps only relay candidates in an SDP and blanks default addresses', () => {
    const out = relayOnlySignal({ n: 1, o: true, signal: { description: { type: 'offer', sdp } } }) as {
      signal: { description: { sdp: string } };
    };
    const filtered = out.signal.description.sdp;
    expect(filtered).toContain(`a=${relayHidden}\r\n`);
    for (const hidden of [host, srflx, mdns]) expect(filtered).not.toContain(hidden);
    expect(filtered).not.toContain('192.168.1.20');
    expect(filtered).not.toContain('203.0.113.7');
    expect(filtered).toContain('c=IN IP4 0.0.0.0');
    expect(filtered).toContain('a=mid:0');
  });

  it('drops a trickled candidate that is not a relay one, in any wrapper', () => {
    for (const candidate of [host, mdns, tcpHost, srflx, 'candidate:garbage', 'typ relay']) {
      expect(relayOnlySignal({ n: 2, signal: { candidate: { candidate, sdpMid: '0' } } })).toBeUndefined();
      expect(relayOnlySignal({ voice: { candidate: { candidate } } })).toBeUndefined();
    }
  });

  it("passes a trickled relay candidate with the player's mapped address (raddr/rport) blanked", () => {
    const trickled = { n: 2, signal: { candidate: { candidate: relay, sdpMid: '0', sdpMLineIndex: 0 } } };
    expect(relayOnlySignal(trickled)).toEqual({
      n: 2,
      signal: { candidate: { candidate: relayHidden, sdpMid: '0', sdpMLineIndex: 0 } },
    });
    // Chrome's own form, with extensions after the related address: only raddr and rport change.
    const chrome = `${relay} generation 0 ufrag abcd network-id 1`;
    expect(relayOnlySignal({ candidate: chrome })).toEqual({
      candidate: `${relayHidden} generation 0 ufrag abcd network-id 1`,
    });
  });

  it('blanks only values named raddr and rport, and leaves a blanked candidate as it was', () => {
    const tcp =
      'candidate:6 1 tcp 1 198.51.100.9 443 typ relay raddr 203.0.113.7 rport 61000 tcptype passive';
    expect(hideRelatedAddress(tcp)).toBe(
      'candidate:6 1 tcp 1 198.51.100.9 443 typ relay raddr 0.0.0.0 rport 0 tcptype passive',
    );
    expect(hideRelatedAddress(`${relayHidden}  ufrag raddr`)).toBe(`${relayHidden}  ufrag raddr`);
    expect(hideRelatedAddress('candidate:7 1 udp 1 198.51.100.9 3478 typ relay ufrag raddr')).toBe(
      'candidate:7 1 udp 1 198.51.100.9 3478 typ relay ufrag raddr',
    );
  });

  it('passes relay candidates without a related address, end-of-candidates and the rest unchanged', () => {
    const bare = 'candidate:5 1 udp 41885439 198.51.100.9 49160 typ relay generation 0';
    const trickled = { n: 2, signal: { candidate: { candidate: bare, sdpMid: '0', sdpMLineIndex: 0 } } };
    expect(relayOnlySignal(trickled)).toEqual(trickled);
    const end = { voice: { candidate: { candidate: '', sdpMid: '0' } } };
    expect(relayOnlySignal(end)).toEqual(end);
    expect(relayOnlySignal({ hello: [1, 'two', null, { three: true }] })).toEqual({
      hello: [1, 'two', null, { three: true }],
    });
  });

  it('refuses nesting deeper than a real signal has', () => {
    let deep: unknown = { candidate: relay };
    for (let i = 0; i < 40; i++) deep = { deep };
    expect(relayOnlySignal(deep)).toBeUndefined();
  });

  it('reads the candidate type only from its place in the line', () => {
    expect(isRelayCandidate(relay)).toBe(true);
    expect(isRelayCandidate('candidate:9 1 udp 1 typ 5000 typ relay')).toBe(false);
    expect(isRelayCandidate(`${host} typ relay`)).toBe(false);
  });

  it('whatever the signal, no non-relay candidate gets through', () => {
    const candidateLine = fc
      .tuple(
        fc.constantFrom('host', 'srflx', 'prflx', 'relay'),
        fc.ipV4(),
        fc.integer({ min: 1, max: 65_535 }),
        fc.option(fc.ipV4()),
      )
      .map(
        ([type, ip, port, related]) =>
          `candidate:7 1 udp 100 ${ip} ${port} typ ${type}${related ? ` raddr ${related} rport ${port}` : ''}`,
      );
    const signal = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        candidateLine.map((candidate) => ({ candidate })),
        fc.array(candidateLine, { maxLength: 4 }).map((lines) => ({
          sdp: ['v=0', ...lines.map((line) => `a=${line}`)].join('\r\n'),
        })),
        fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 3 }),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    })).node;
    fc.assert(
      fc.property(signal, (input) => {
        const text = JSON.stringify(relayOnlySignal(input) ?? null);
        for (const match of text.matchAll(/candidate:[^"\\]*/g)) {
          expect(match[0]).toMatch(/ typ relay/);
          // The peer never learns where the player is: no related address but the blank one.
          expect(match[0]).not.toMatch(/ raddr (?!0\.0\.0\.0 )/);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
