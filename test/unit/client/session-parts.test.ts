import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { EntryPoints } from '../../../src/client/entry-points.js';
import { InboundAcks } from '../../../src/client/inbound-acks.js';
import { ServerClockEstimate } from '../../../src/client/server-clock-estimate.js';
import { ManualClock } from '../../../src/common/index.js';
import { isWebSocketUrl } from '../../../src/protocol/index.js';

describe('InboundAcks (the client side of the reliable stream)', () => {
  const setUp = () => {
    const clock = new ManualClock();
    const sent: number[] = [];
    const acks = new InboundAcks(clock, { ackEvery: 3, ackDelayMs: 50 }, (received) => sent.push(received));
    return { clock, sent, acks };
  };

  it('delivers each message once and acks a lone one after the delay', () => {
    const { clock, sent, acks } = setUp();
    expect(acks.accept(1)).toBe(true);
    expect(acks.accept(1)).toBe(false);
    clock.advance(49);
    expect(sent).toEqual([]);
    clock.advance(1);
    expect(sent).toEqual([1]);
    clock.advance(500);
    expect(sent).toEqual([1]); // nothing new: no second ack
  });

  it('acks a burst at once after `ackEvery` messages, and later ones after the delay', () => {
    const { clock, sent, acks } = setUp();
    for (const seq of [1, 2, 3]) acks.accept(seq);
    expect(sent).toEqual([3]);
    acks.accept(4);
    clock.advance(50);
    expect(sent).toEqual([3, 4]);
  });

  it('stops a pending ack when the socket goes, and starts over for a new session', () => {
    const { clock, sent, acks } = setUp();
    acks.accept(7);
    acks.stop();
    clock.advance(100);
    expect(sent).toEqual([]);
    expect(acks.received).toBe(7);
    acks.reset();
    expect(acks.received).toBe(0);
    expect(acks.accept(1)).toBe(true);
  });
});

describe('ServerClockEstimate', () => {
  it('estimates from the lowest round trip of the last 8 heartbeats, and slews to it', () => {
    const estimate = new ServerClockEstimate();
    estimate.welcomed(5_000, 1_000);
    expect(estimate.offsetMs(1_000)).toBe(4_000);
    expect(estimate.estimateMs).toBeUndefined();
    estimate.pong(2_000, 6_012, 2_020); // 20 ms round trip, server stamped 2 ms past the midpoint
    expect(estimate.rttMs).toBe(20);
    expect(estimate.estimateMs).toBe(4_002);
    expect(estimate.offsetMs(2_020)).toBe(4_000); // not stepped to...
    // ...but slewed: the welcome's offset quickly (1 ms per 4 ms) while the opening pings correct it.
    expect(estimate.offsetMs(2_024)).toBeCloseTo(4_001, 9);
    expect(estimate.serverNow(2_028)).toBe(2_028 + 4_002);
    // Slower round trips, queued on one leg or the other, leave it while it is among the last 8.
    for (let i = 1; i < 8; i++) {
      const at = 2_000 + i * 1_000;
      estimate.pong(at, at + 4_000 + (i % 2 === 1 ? 90 : 10), at + 100);
      expect(estimate.estimateMs).toBe(4_002);
    }
    expect(estimate.rttMs).toBe(100);
    // Once it is older than that, the fastest of the newer ones is taken: a route that got slower is let in.
    estimate.pong(10_000, 14_031, 10_060);
    expect(estimate.estimateMs).toBe(4_001);
  });
});

describe('EntryPoints', () => {
  it('fails over through url then fallbacks, never to the server it is on', () => {
    const entries = new EntryPoints('ws://a/ws', ['ws://b/ws', 'ws://a/ws', 'ws://c/ws']);
    expect(entries.current).toBe('ws://a/ws');
    expect(entries.next(0)).toBe('ws://b/ws');
    entries.moveTo('ws://c/ws');
    expect(entries.next(0)).toBe('ws://a/ws');
    entries.moveTo('ws://elsewhere/ws'); // a redirect to a node not listed: on from c, where it came from
    expect(entries.next(0)).toBe('ws://a/ws');
    expect(new EntryPoints('ws://only/ws', undefined).next(0)).toBeUndefined();
  });

  it('after a redirect goes on from the entry point it came from, not back to the first', () => {
    // The cluster names its nodes by PUBLIC_URL (localhost), the app lists them as 127.0.0.1.
    const urls = [1, 2, 3].map((n) => `ws://127.0.0.1:818${n}/ws`);
    const entries = new EntryPoints(urls[0], urls);
    entries.moveTo('ws://localhost:8182/ws'); // sent to a room on node 2
    entries.moveTo('ws://localhost:8181/ws'); // then to one on node 1, which is dead
    entries.unreachable('ws://localhost:8181/ws', 1_000);
    // Not the first entry (node 1 again, spelled otherwise): the one after the entry it came from.
    expect(entries.next(1_000)).toBe(urls[1]);
    entries.moveTo(urls[1] as string);
    entries.moveTo('ws://localhost:8183/ws');
    expect(entries.next(1_000)).toBe(urls[2]);
  });

  it('passes over an entry point given up on lately while another is left, and forgets it after 10 s', () => {
    const entries = new EntryPoints('ws://a/ws', ['ws://b/ws', 'ws://c/ws']);
    entries.unreachable('ws://a/ws', 1_000);
    entries.moveTo('ws://b/ws');
    entries.unreachable('ws://b/ws', 2_000);
    // From b the next is c; from c both others were given up on lately: the plain next one, a.
    expect(entries.next(2_000)).toBe('ws://c/ws');
    entries.moveTo('ws://c/ws');
    expect(entries.next(3_000)).toBe('ws://a/ws');
    const fresh = new EntryPoints('ws://a/ws', ['ws://b/ws', 'ws://c/ws']);
    fresh.moveTo('ws://c/ws');
    fresh.unreachable('ws://a/ws', 1_000);
    expect(fresh.next(5_000)).toBe('ws://b/ws'); // a is down lately: b
    expect(fresh.unreachableForMs('ws://a/ws', 5_000)).toBe(6_000);
    expect(fresh.next(11_000)).toBe('ws://a/ws'); // 10 s on, a is tried again
    expect(fresh.unreachableForMs('ws://a/ws', 11_000)).toBe(0);
  });

  it('tells a WebSocket URL from any other text a goodbye may carry', () => {
    expect(isWebSocketUrl('wss://node2.example/ws')).toBe(true);
    expect(isWebSocketUrl('the server was drained')).toBe(false);
    // One rule with the server's publicUrl check: parseable, ws: or wss: in any case, no whitespace.
    expect(isWebSocketUrl('WSS://node2.example/ws')).toBe(true);
    expect(isWebSocketUrl('wss://node2.example/my ws')).toBe(false);
    expect(isWebSocketUrl('ws://[::1/ws')).toBe(false);
    expect(isWebSocketUrl('https://node2.example/ws')).toBe(false);
  });

  it('refuses a URL with a fragment, even an empty one, which a WebSocket constructor throws on', () => {
    // Browsers throw a SyntaxError for `ws://host/#` too (web-platform-tests, Create-invalid-urls), `ws`
    // for a non-empty one. Taken, a publicUrl or drain target with one sent players to a node they
    // could not open: the client ended with HANDSHAKE_REJECTED 'bad server URL', its session lost.
    for (const url of ['wss://node2.example/ws#a', 'wss://node2.example/ws#', 'ws://h:8080/ws?x=1#']) {
      expect(isWebSocketUrl(url)).toBe(false);
    }
    expect(() => new WebSocket('wss://node2.example/ws#a')).toThrow(SyntaxError);
    expect(isWebSocketUrl('wss://node2.example/ws?room=a%23b')).toBe(true);
  });
});
