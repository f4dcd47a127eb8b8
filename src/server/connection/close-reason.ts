/**
 * Most bytes a WebSocket close reason may hold: a close frame's payload is at most 125 bytes, two of them
 * the code (RFC 6455, 5.5). ws throws a RangeError on a longer reason, so one that is not cut to this
 * turns a refusal into a fault.
 */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * `message` cut to what a close frame holds, in UTF-8 bytes and at a character boundary. Characters, not
 * bytes, are what `slice` counts: 120 of them may take up to 480 bytes (an app's refusal in French or
 * Japanese, say).
 */
export function closeReason(message: string): string {
  if (Buffer.byteLength(message) <= MAX_CLOSE_REASON_BYTES) return message;
  let reason = '';
  let bytes = 0;
  // By code point, so a character (a surrogate pair included) is kept whole or left out.
  for (const character of message) {
    bytes += Buffer.byteLength(character);
    if (bytes > MAX_CLOSE_REASON_BYTES) break;
    reason += character;
  }
  return reason;
}
