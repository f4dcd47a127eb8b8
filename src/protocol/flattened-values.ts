import { ExtensionCodec } from '@msgpack/msgpack';

/**
 * msgpack writes every object that is neither an array nor a typed array as a map of its own enumerable
 * keys. For an ArrayBuffer, a Map or a Set that is an empty map: the receiver gets `{}` and the data is
 * lost without a word (a socket.io app sends ArrayBuffers as they are). This codec, given to the encoder,
 * makes such a value a throw instead, whose words say what to send; the senders' checks (`encodeSendable`)
 * turn it into INVALID_MESSAGE at the call. It never encodes anything: every other value goes on to the
 * encoder's own rules.
 */
export const refuseFlattenedValues = new ExtensionCodec();

/** A custom extension type this package never sends: its encoder only ever throws or passes. */
const NEVER_SENT_TYPE = 0;

refuseFlattenedValues.register({
  type: NEVER_SENT_TYPE,
  encode(value: unknown): null {
    const problem = flattenedProblem(value);
    if (problem !== undefined) throw new TypeError(problem);
    return null;
  },
  decode(): never {
    throw new TypeError('refuseFlattenedValues only checks what is encoded');
  },
});

function flattenedProblem(value: unknown): string | undefined {
  if (value instanceof ArrayBuffer || isSharedArrayBuffer(value)) {
    return 'an ArrayBuffer would arrive as an empty map: send new Uint8Array(buffer)';
  }
  if (value instanceof Map) return 'a Map would arrive as an empty map: send Object.fromEntries(map)';
  if (value instanceof Set) return 'a Set would arrive as an empty map: send an array, [...set]';
  return undefined;
}

function isSharedArrayBuffer(value: unknown): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && value instanceof SharedArrayBuffer;
}
