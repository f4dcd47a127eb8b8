import { CHANNELS } from './channels.js';

/**
 * Throws a TypeError for what no link can send: a channel other than the three (`'reliable'` for
 * `'dispatch'`, a number: JavaScript or a cast lets them through) or bytes that are no Uint8Array (a
 * string). Taken, both went out while `send` said true: the relay path sent an unknown channel as a
 * `dispatch` frame without its framing, which the peer's mesh reported as `malformed` (a peer's hostile
 * input), and a string as as many zero bytes, delivered as the app's message.
 */
export function checkSendArguments(channel: unknown, bytes: unknown): void {
  if (!CHANNELS.includes(channel as never)) {
    throw new TypeError(`a link sends on 'phys', 'event' or 'dispatch' (Channel), not ${describe(channel)}`);
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`a link sends bytes (a Uint8Array), not ${describe(bytes)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string '${value.slice(0, 32)}'`;
  if (value === null || typeof value !== 'object') return String(value);
  return `a ${value.constructor?.name ?? 'object'}`;
}
