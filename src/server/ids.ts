import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Public id of a session: unguessable enough that ids cannot be enumerated. */
export const newPlayerId = (): string => randomBytes(12).toString('base64url');
export const newRoomId = (): string => randomBytes(8).toString('base64url').slice(0, 10);
/** Private proof that a reconnecting socket owns a session: 256 random bits. */
export const newResumeToken = (): string => randomBytes(32).toString('base64url');

/** Constant-time comparison of two secrets; false on any length mismatch. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
