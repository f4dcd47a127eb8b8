/**
 * What the page sends, counted in the page: each `RTCDataChannel.send` (the server link's datagrams and
 * any direct peer link's) and each `WebSocket.send` (the session's frames). A send costs a browser's main
 * thread far more than the bytes suggest (a hop to the network thread), so their count is a cost of its own.
 */
import type { Page } from 'playwright-core';

export interface SendCounts {
  dataChannel: number;
  webSocket: number;
}

/** Wraps both prototypes' `send` once; the counts start at 0. Methods are looked up on the prototype, so
 * channels and sockets made before the wrap are counted too. */
export function countSends(page: Page): Promise<void> {
  return page.evaluate(() => {
    const counts = { dataChannel: 0, webSocket: 0 };
    (globalThis as unknown as { sendCounts: typeof counts }).sendCounts = counts;
    const wrap = <T extends { send(...args: never[]): void }>(proto: T, key: keyof typeof counts) => {
      const send = proto.send;
      proto.send = function (this: T, ...args: never[]) {
        counts[key]++;
        return send.apply(this, args);
      };
    };
    wrap(RTCDataChannel.prototype, 'dataChannel');
    wrap(WebSocket.prototype, 'webSocket');
  });
}

/** The counts so far. */
export function sendCounts(page: Page): Promise<SendCounts> {
  return page.evaluate(() => ({ ...(globalThis as unknown as { sendCounts: SendCounts }).sendCounts }));
}
