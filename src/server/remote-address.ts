import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** What a connection whose socket no longer knows its peer (it closed during the upgrade) counts as. */
export const UNKNOWN_ADDRESS = 'unknown';

/**
 * The address a WebSocket upgrade came from. `trustProxy`: how many reverse proxies stand in front of this
 * server. 0 takes the socket's own address (a client can then claim nothing). Above 0, the address that
 * many entries from the right of `X-Forwarded-For`: each proxy appends the address it was reached from,
 * so the entries further left are whatever the client chose to send. A header that is missing, shorter
 * than that or not an address there leaves the socket's address (the nearest proxy's).
 */
export function remoteAddress(request: IncomingMessage, trustProxy: number): string {
  const socketAddress = normalizeAddress(request.socket.remoteAddress) ?? UNKNOWN_ADDRESS;
  if (trustProxy === 0) return socketAddress;
  const header = request.headers['x-forwarded-for'];
  // Node joins repeated X-Forwarded-For headers into one list, in order.
  const forwarded = typeof header === 'string' ? forwardedAddress(header, trustProxy) : undefined;
  return forwarded ?? socketAddress;
}

/** The entry `hops` from the right of an X-Forwarded-For list, normalised; undefined if there is none. */
export function forwardedAddress(header: string, hops: number): string | undefined {
  const entries = header.split(',');
  const entry = entries[entries.length - hops];
  return entry === undefined ? undefined : normalizeAddress(withoutPort(entry.trim()));
}

/**
 * One spelling per address: IPv6 lower-case and compressed as Node writes it (zone dropped), and an
 * IPv4-mapped IPv6 address (`::ffff:203.0.113.7`, how a dual-stack socket reports IPv4 peers) as the IPv4
 * address it is. Undefined for anything that is not an IP address.
 */
export function normalizeAddress(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const address = raw.split('%')[0] ?? '';
  if (isIP(address) === 4) return address;
  const groups = ipv6Groups(address);
  if (groups === undefined) return undefined;
  if (isIpv4Mapped(groups)) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/**
 * What limits per address count an address as: an IPv4 address itself, an IPv6 address its /64 (one
 * subscriber's network: a home or a phone is handed a whole /64, so its 2^64 addresses are one sender).
 */
export function addressBlock(address: string): string {
  // An IPv4-mapped address is the IPv4 address it maps: read as IPv6, every IPv4 peer would share `::/64`.
  const normal = normalizeAddress(address) ?? address;
  const groups = isIP(normal) === 6 ? ipv6Groups(normal) : undefined;
  if (groups === undefined) return normal;
  const prefix = groups.slice(0, 4).map((group) => group.toString(16));
  return `${normalizeAddress(`${prefix.join(':')}::`)}/64`;
}

/**
 * The IPv6 network of `prefixLength` leading bits (1 to 64) that an address, or a block as `addressBlock`
 * writes it, lies in: `2001:db8:1::/48` for `2001:db8:1:2::/64` and 48. A holder of a /48 (a site, or a
 * rented server) has 65,536 /64s, each a block of its own; limits that must bound that holder count its
 * network too (see AddressRate's `networks`). Undefined for IPv4, an IPv4-mapped address included, and
 * for anything that is not an address: an IPv4 address is a block on its own, and the addresses around it
 * are other subscribers'.
 */
export function addressNetwork(block: string, prefixLength: number): string | undefined {
  const groups = ipv6Groups((block.endsWith('/64') ? block.slice(0, -3) : block).split('%')[0] ?? '');
  if (groups === undefined || isIpv4Mapped(groups)) return undefined;
  // Only the groups the prefix reaches, the last one masked: one spelling per network, without the cost
  // of normalizeAddress's URL parse on every check of a limit.
  const kept = groups.slice(0, Math.ceil(prefixLength / 16)).map((group, index) => {
    const bits = Math.min(16, prefixLength - 16 * index);
    return (group & (0xffff << (16 - bits)) & 0xffff).toString(16);
  });
  return `${kept.join(':')}::/${prefixLength}`;
}

/** Whether IPv6 `groups` are `::ffff:a.b.c.d`: how a dual-stack socket spells an IPv4 peer. */
function isIpv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}

/** `[v6]:port` and `v4:port` as some proxies write them: the address alone. */
function withoutPort(entry: string): string {
  if (entry.startsWith('[')) {
    const end = entry.indexOf(']');
    return end === -1 ? entry : entry.slice(1, end);
  }
  const colon = entry.indexOf(':');
  return colon !== -1 && colon === entry.lastIndexOf(':') ? entry.slice(0, colon) : entry;
}

/** The eight 16-bit groups of an IPv6 address (with `::` and a dotted IPv4 tail spelled out), if it is one. */
function ipv6Groups(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}
