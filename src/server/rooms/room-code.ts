import { randomInt } from 'node:crypto';
import { ROOM_CODE_ALPHABET, ROOM_CODE_LENGTHS } from '../../protocol/index.js';

export { normalizeRoomCode } from '../../protocol/index.js';

/** A short private-room code; `randomInt` draws by rejection sampling, so no letter is favoured. */
export function newRoomCode(length = 6): string {
  const { min, max } = ROOM_CODE_LENGTHS;
  // Only lengths that normalizeRoomCode accepts, so every code handed out can be typed back in.
  if (!Number.isInteger(length) || length < min || length > max)
    throw new RangeError(`room code length must be an integer in ${min}..${max}`);
  let code = '';
  for (let i = 0; i < length; i++) code += ROOM_CODE_ALPHABET[randomInt(ROOM_CODE_ALPHABET.length)];
  return code;
}
