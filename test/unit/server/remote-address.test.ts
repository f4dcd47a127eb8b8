import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  addressBlock,
  addressNetwork,
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

  it('counts an IPv4-mapped IPv6 address as the IPv4 address it maps, not as a /64 all IPv4 would share', () => {
    expect(addressBlock('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressBlock('::ffff:203.0.113.8')).toBe('203.0.113.8');
  });
});

describe('addressNetwork', () => {
  it('is the IPv6 network of so many leading bits around an address or a /64 block, one spelling each', () => {
    expect(addressNetwork('2001:db8:1:2::/64', 48)).toBe('2001:db8:1::/48');
    expect(addressNetwork('2001:DB8:1:ffff:aaaa::1', 48)).toBe('2001:db8:1::/48');
    expect(addressNetwork('2001:db8:1:2::/64', 32)).toBe('2001:db8::/32');
    expect(addressNetwork('2001:db8:1:2::/64', 56)).toBe('2001:db8:1:0::/56');
    expect(addressNetwork('2001:db8:ff:2::/64', 40)).toBe('2001:db8:0::/40');
    expect(addressNetwork('2001:db8:1ff:2::/64', 40)).toBe('2001:db8:100::/40');
    expect(addressNetwork('fe80::1%eth0', 48)).toBe('fe80:0:0::/48');
  });

  it('has none for IPv4, spelt mapped or not, nor for what is not an address', () => {
    for (const notIpv6 of ['203.0.113.7', '::ffff:203.0.113.7', '::ffff:cb00:7107', UNKNOWN_ADDRESS, ''])
      expect(addressNetwork(notIpv6, 48)).toBeUndefined();
  });
});
