/**
 * Display names: what a client may ask for and what the server makes of it. One definition for both
 * ends, so that a client refuses at once what the server's guest endpoint would refuse.
 */

/** Most characters a display name has on the wire, and a guest may ask for (UTF-16 units, as `length`). */
export const MAX_NAME_LENGTH = 64;

/** Most characters (code points) of a guest's name: what fits a scoreboard, a name tag, a chat line. */
export const GUEST_NAME_LENGTH = 24;

/** The rule, as said to whoever broke it. */
export const NAME_RULE = `a string of at most ${MAX_NAME_LENGTH} characters`;

/** Why `name` cannot be asked for as a guest's name, or undefined when it can. */
export function nameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return `must be ${NAME_RULE}, got ${typeof name}`;
  if (name.length > MAX_NAME_LENGTH) return `must be ${NAME_RULE}, got ${name.length}`;
  return undefined;
}

/**
 * The name a guest gets for what it asked: NFC-normalized; anything but letters, digits, punctuation and
 * spaces removed (emoji and other symbols such as `<>+=$|~`, control and format characters such as
 * right-to-left overrides, which would let a name disguise itself or what follows it), and so are the
 * characters Unicode says to show as nothing (Default_Ignorable_Code_Point): among them are letters, the
 * Hangul fillers (U+3164 and kin), which made a blank name or `Ada` with an invisible tail; runs of white
 * space made one space; trimmed; cut to GUEST_NAME_LENGTH code points (no surrogate pair split). Empty
 * when nothing is left: the server then names the guest `Guest-XXXX`.
 */
export function normalizeName(raw: string | undefined): string {
  if (typeof raw !== 'string') return '';
  // Cut early so that a huge input costs little; the final cut below is the real limit.
  return [
    ...raw
      .slice(0, GUEST_NAME_LENGTH * 8)
      .normalize('NFC')
      .replace(/[^\p{L}\p{N}\p{P}\p{Zs}]|\p{Default_Ignorable_Code_Point}/gu, '')
      .replace(/\s+/gu, ' ')
      .trim(),
  ]
    .slice(0, GUEST_NAME_LENGTH) // by code point, so no surrogate pair is split
    .join('')
    .trim();
}
