import { encode } from '@msgpack/msgpack';
import { ProtocolError } from 'vehikill-net/protocol';
import { ROOM } from './message-examples.js';

/** The ProtocolError `run` throws; fails the test if it throws anything else or returns. */
export function failure(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw new Error(`expected a ProtocolError, got ${String(error)}`);
  }
  throw new Error('expected a ProtocolError, got a result');
}

/** A frame of `kind` whose body is `body` as msgpack, unchecked: what any sender could put on the wire. */
export function raw(kind: number, body: unknown): Uint8Array {
  const encoded = encode(body);
  const frame = new Uint8Array(1 + encoded.length);
  frame[0] = kind;
  frame.set(encoded, 1);
  return frame;
}

/** A room message of type 'map' carrying `d`. */
export const roomMessage = (d: unknown) => ({ roomId: ROOM, t: 'map', d });
