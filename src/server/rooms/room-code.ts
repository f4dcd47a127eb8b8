import { randomInt } from 'node:crypto';

/** No 0/O or 1/I: codes are read aloud and typed from screens. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A short private-room code; `randomInt` draws without modulo bias. */
export function newRoomCode(length = 6): string {
  let code = '';
  for (let i = 0; i < length; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** Forgives case, spaces and dashes; undefined when the input cannot be a code. */
export function normalizeRoomCode(input: string): string | undefined {
  const code = input.trim().toUpperCase().replace(/[\s-]/g, '');
  if (code.length < 4 || code.length > 12) return undefined;
  for (const char of code) if (!ALPHABET.includes(char)) return undefined;
  return code;
}
