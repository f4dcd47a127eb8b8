/**
 * The link-level keepalive both real links speak on their control path: `[1, f64 time]` ping,
 * `[2, f64 time]` pong (the ping echoed), `[3]` goodbye.
 */
export const PING = 1;
export const PONG = 2;
export const BYE = 3;

export function encodePing(now: number): Uint8Array<ArrayBuffer> {
  const ping = new Uint8Array(9);
  ping[0] = PING;
  new DataView(ping.buffer).setFloat64(1, now);
  return ping;
}

export type ControlMessage =
  | { type: 'bye' }
  | { type: 'ping'; reply: Uint8Array<ArrayBuffer> }
  | { type: 'pong'; sentAt: number };

/** Reads a control frame; undefined for anything malformed (peer input). */
export function readControl(bytes: Uint8Array): ControlMessage | undefined {
  const type = bytes[0];
  if (type === BYE) return { type: 'bye' };
  if (bytes.length !== 9) return undefined;
  if (type === PING) {
    const reply = bytes.slice();
    reply[0] = PONG;
    return { type: 'ping', reply };
  }
  if (type === PONG)
    return { type: 'pong', sentAt: new DataView(bytes.buffer, bytes.byteOffset, 9).getFloat64(1) };
  return undefined;
}
