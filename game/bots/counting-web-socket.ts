import { WebSocket } from 'ws';

/** Bytes through one or more sockets: WebSocket message payloads, both ways. */
export interface Traffic {
  bytesIn: number;
  bytesOut: number;
}

/**
 * A `ws` WebSocket class that adds every message payload it sends and receives to `traffic`: what a
 * player costs on its connection to the server (snapshots, inputs, room messages, relayed peer data),
 * without framing and TCP/IP headers. Pass it as the Client's `WebSocket`.
 */
export function countingWebSocket(
  traffic: Traffic,
): new (
  ...args: ConstructorParameters<typeof WebSocket>
) => WebSocket {
  return class CountingWebSocket extends WebSocket {
    constructor(...args: ConstructorParameters<typeof WebSocket>) {
      super(...args);
      this.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        traffic.bytesIn += Array.isArray(data)
          ? data.reduce((sum, part) => sum + part.length, 0)
          : data instanceof ArrayBuffer
            ? data.byteLength
            : data.length;
      });
    }

    override send(data: unknown, ...rest: unknown[]): void {
      traffic.bytesOut +=
        typeof data === 'string'
          ? Buffer.byteLength(data)
          : ((data as ArrayBufferView).byteLength ?? (data as ArrayBuffer).byteLength ?? 0);
      (super.send as (data: unknown, ...rest: unknown[]) => void)(data, ...rest);
    }
  };
}
