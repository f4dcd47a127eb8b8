import { randomInt } from 'node:crypto';

/** No 0/O or 1/I: codes are read aloud and typed from screens. */
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const MIN_LENGTH = 4;
const MAX_LENGTH = 12;

/** A short private-room code; `randomInt` draws by rejection sampling, so no letter is favoured. */
export function newRoomCode(length = 6): string {
  // Only lengths that normalizeRoomCode accepts, so every code handed out can be typed back in.
  if (!Number.isInteger(length) || length < MIN_LENGTH || length > MAX_LENGTH)
    throw new RangeError(`room code length must be an integer in ${MIN_LENGTH}..${MAX_LENGTH}`);
  let code = '';
  for (let i = 0; i < length; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

/** Forgives case, spaces and dashes; undefined when the input cannot be a code. */
export function normalizeRoomCode(input: string): string | undefined {
  if (typeof input !== 'string' || input.length > 4 * MAX_LENGTH) return undefined;
  const code = input.trim().toUpperCase().replace(/[\s-]/g, '');
  if (code.length < MIN_LENGTH || code.length > MAX_LENGTH) return undefined;
  for (const char of code) if (!ALPHABET.includes(char)) return undefined;
  return code;
}
