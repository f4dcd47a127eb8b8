import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Public id of a session: 96 random bits (16 base64url chars), so ids cannot be enumerated. */
export const newPlayerId = (): string => randomBytes(12).toString('base64url');
/** Public id of a room: 60 random bits (10 base64url chars); short because it shows up in logs. */
export const newRoomId = (): string => randomBytes(8).toString('base64url').slice(0, 10);
/** Private proof that a reconnecting socket owns a session: 256 random bits. */
export const newResumeToken = (): string => randomBytes(32).toString('base64url');

/** Constant-time comparison of two secrets; false on any length mismatch. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // Only the length can leak, and the lengths of our secrets are public anyway.
  return left.length === right.length && timingSafeEqual(left, right);
}
