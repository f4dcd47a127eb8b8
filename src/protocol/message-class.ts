/**
 * What happens to a message on loss and on reconnect (DESIGN.md, "Message classes").
 * - reliable: sequenced, acked, replayed after a reconnect;
 * - expiring: like reliable while younger than its TTL, dropped after, never replayed late;
 * - volatile: never buffered or replayed.
 */
export const MessageClass = {
  reliable: 'reliable',
  expiring: 'expiring',
  volatile: 'volatile',
} as const;

export type MessageClass = (typeof MessageClass)[keyof typeof MessageClass];

/** Default age past which an expiring message is dropped, in milliseconds. */
export const DEFAULT_EXPIRING_TTL_MS = 250;
