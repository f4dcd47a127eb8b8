/**
 * Private room codes: their alphabet and lengths, and what a typed code reads as. One definition for both
 * ends, so that a client knows a code as the server does (the code of the room it is in, however typed).
 */

/** No 0/O or 1/I: codes are read aloud and typed from screens. */
export const ROOM_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** The shortest and longest codes there are (and that `normalizeRoomCode` reads). */
export const ROOM_CODE_LENGTHS = { min: 4, max: 12 } as const;

/** Forgives case, spaces and dashes; undefined when the input cannot be a code. */
export function normalizeRoomCode(input: string): string | undefined {
  const { min, max } = ROOM_CODE_LENGTHS;
  if (typeof input !== 'string' || input.length > 4 * max) return undefined;
  const code = input.trim().toUpperCase().replace(/[\s-]/g, '');
  if (code.length < min || code.length > max) return undefined;
  for (const char of code) if (!ROOM_CODE_ALPHABET.includes(char)) return undefined;
  return code;
}
