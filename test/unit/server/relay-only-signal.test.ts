import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRelayCandidate, relayOnlySignal } from '../../../src/server/ice/relay-only-signal.js';

const host = 'candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host generation 0 ufrag abcd';
const mdns = 'candidate:2 1 udp 2122260223 6c1e0d2a-4f1b-4c1e-9d0a-1f2e3d4c5b6a.local 54401 typ host';
const tcpHost = 'candidate:3 1 tcp 1518280447 10.0.0.5 9 typ host tcptype active';
const srflx = 'candidate:4 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.168.1.20 rport 54400';
const relay = 'candidate:5 1 udp 41885439 198.51.100.9 49160 typ relay raddr 203.0.113.7 rport 61000';

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
    expect(filtered).toContain(relay);
    for (const hidden of [host, srflx, mdns]) expect(filtered).not.toContain(hidden);
    expect(filtered).not.toContain('192.168.1.20');
    expect(filtered).not.toContain('203.0.113.7 61000');
    expect(filtered).toContain('c=IN IP4 0.0.0.0');
    expect(filtered).toContain('a=mid:0');
  });

  it('drops a trickled candidate that is not a relay one, in any wrapper', () => {
    for (const candidate of [host, mdns, tcpHost, srflx, 'candidate:garbage', 'typ relay']) {
      expect(relayOnlySignal({ n: 2, signal: { candidate: { candidate, sdpMid: '0' } } })).toBeUndefined();
      expect(relayOnlySignal({ voice: { candidate: { candidate } } })).toBeUndefined();
    }
  });

  it('passes relay candidates, end-of-candidates and anything without an address unchanged', () => {
    const trickled = { n: 2, signal: { candidate: { candidate: relay, sdpMid: '0', sdpMLineIndex: 0 } } };
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
      )
      .map(([type, ip, port]) => `candidate:7 1 udp 100 ${ip} ${port} typ ${type}`);
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
        for (const match of text.matchAll(/candidate:[^"\\]*/g)) expect(match[0]).toMatch(/ typ relay/);
      }),
      { numRuns: 2_000 },
    );
  });
});
