import { decodeFrame } from './frame-codec.js';
import { Kind } from './kinds.js';
import { clientToServerKinds } from './messages.js';
import { ProtocolError } from './protocol-error.js';

const nameOfKind = new Map<number, string>(Object.entries(Kind).map(([name, kind]) => [kind, name]));

/**
 * What the server would answer an encoded client message with, when it would refuse it as malformed
 * (INVALID_MESSAGE and the like, naming the message and the first thing wrong), undefined when it would
 * take it. Decoded from the bytes the way the server decodes them, so what only the JavaScript object
 * had (an `undefined` field, which is not sent) is not held against it. For a client to refuse its own
 * caller's mistake before it costs anything on the wire.
 */
export function requestProblem(encoded: Uint8Array): ProtocolError | undefined {
  try {
    decodeFrame(encoded, clientToServerKinds);
    return undefined;
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    const kind = encoded[0] ?? -1;
    const message = error.message.replace(/^kind 0x[0-9a-f]+/, nameOfKind.get(kind) ?? `kind ${kind}`);
    return new ProtocolError(error.code, message, { cause: error });
  }
}
