import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  addressBlock,
  forwardedAddress,
  normalizeAddress,
  remoteAddress,
  UNKNOWN_ADDRESS,
} from '../../../src/server/remote-address.js';

/** What remoteAddress reads of an upgrade request: its socket's peer and its headers. */
function request(socketAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  return {
    socket: { remoteAddress: socketAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  } as unknown as IncomingMessage;
}

describe('normalizeAddress', () => {
  it('writes an IPv4-mapped IPv6 address (a dual-stack socket) as the IPv4 address it is', () => {
    expect(normalizeAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(normalizeAddress('::FFFF:cb00:7107')).toBe('203.0.113.7');
    expect(normalizeAddress('0:0:0:0:0:ffff:7f00:1')).toBe('127.0.0.1');
  });

  it('gives IPv6 one spelling (lower case, compressed, no zone) and keeps IPv4 as it is', () => {
    expect(normalizeAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeAddress('::1')).toBe('::1');
    expect(normalizeAddress('198.51.100.2')).toBe('198.51.100.2');
  });

  it('says undefined for what is not an address', () => {
    for (const bad of [undefined, '', 'unknown', '1.2.3', '999.1.1.1', 'example.com', '::g', '1.2.3.4:80'])
      expect(normalizeAddress(bad)).toBeUndefined();
  });
});

describe('forwardedAddress (X-Forwarded-For)', () => {
  it('takes the entry `hops` from the right: the address the outermost trusted proxy was reached from', () => {
    const header = '10.0.0.1, 198.51.100.2 ,203.0.113.7';
    expect(forwardedAddress(header, 1)).toBe('203.0.113.7');
    expect(forwardedAddress(header, 2)).toBe('198.51.100.2');
    expect(forwardedAddress(header, 3)).toBe('10.0.0.1');
  });

  it('has none when the list is shorter than the hops, or the entry is not an address', () => {
    expect(forwardedAddress('203.0.113.7', 2)).toBeUndefined();
    expect(forwardedAddress('', 1)).toBeUndefined();
    expect(forwardedAddress('203.0.113.7, unknown', 1)).toBeUndefined();
    expect(forwardedAddress('203.0.113.7,', 1)).toBeUndefined();
  });

  it('reads the port forms some proxies write, and mapped IPv6', () => {
    expect(forwardedAddress('[2001:db8::1]:443', 1)).toBe('2001:db8::1');
    expect(forwardedAddress('[2001:db8::1]', 1)).toBe('2001:db8::1');
    expect(forwardedAddress('203.0.113.7:5000', 1)).toBe('203.0.113.7');
    expect(forwardedAddress('::ffff:203.0.113.7', 1)).toBe('203.0.113.7');
    expect(forwardedAddress('[2001:db8::1', 1)).toBeUndefined();
  });
});

describe('remoteAddress', () => {
  it('is the socket address by default, whatever X-Forwarded-For claims', () => {
    expect(remoteAddress(request('::ffff:127.0.0.1', '198.51.100.2'), 0)).toBe('127.0.0.1');
  });

  it('behind trusted proxies, is the forwarded address; the socket address when the header falls short', () => {
    expect(remoteAddress(request('10.0.0.9', '198.51.100.2'), 1)).toBe('198.51.100.2');
    expect(remoteAddress(request('10.0.0.9', 'forged, 198.51.100.2'), 1)).toBe('198.51.100.2');
    expect(remoteAddress(request('10.0.0.9'), 1)).toBe('10.0.0.9');
    expect(remoteAddress(request('10.0.0.9', '198.51.100.2'), 2)).toBe('10.0.0.9');
    expect(remoteAddress(request('10.0.0.9', 'garbage'), 1)).toBe('10.0.0.9');
  });

  it('names a socket that no longer knows its peer', () => {
    expect(remoteAddress(request(undefined), 0)).toBe(UNKNOWN_ADDRESS);
  });
});

describe('addressBlock', () => {
  it('counts IPv6 by its /64 (one subscriber) and IPv4 by itself', () => {
    expect(addressBlock('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8:1:2:bbbb::9')).toBe('2001:db8:1:2::/64');
    expect(addressBlock('2001:db8::1')).toBe('2001:db8::/64');
    expect(addressBlock('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBlock(UNKNOWN_ADDRESS)).toBe(UNKNOWN_ADDRESS);
  });
});
