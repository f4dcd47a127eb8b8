import type { WebSocketConstructor } from 'vehikill-net/client';
import { clientToServerKinds, decodeFrame, Kind, serverToClientKinds } from 'vehikill-net/protocol';
import { WebSocket } from 'ws';

/**
 * Watches expiring room messages of one type, whose data is a `performance.now()` stamp taken just before
 * they were sent (both ways, all in this process), for those written after their TTL in a way no load of
 * the machine explains: sent more than their TTL before the socket they travel on was opened (a sender
 * can only write on a socket once it exists), as a message replayed after an outage would be. Their age
 * on arrival, or when written, also counts socket buffers, a busy event loop and a process the machine
 * stopped for tens of ms between a sender's check of a message's life and its write, which no sender
 * controls. A message's life starts inside its `send` call, after its stamp (the process may stop between
 * the two too): it is timed from when `send` returned (see `sent`), which it started its life before.
 */
export class ExpiryWatch {
  /** For Node clients: a `ws` WebSocket that checks the watched messages it writes and receives. */
  readonly WebSocket: WebSocketConstructor;
  /** How late (ms past the TTL, at least) the client wrote watched messages, for those written late. */
  readonly writtenLate: number[] = [];
  /** How late (ms past the TTL, at least) the server wrote those the client got, for those written late. */
  readonly deliveredLate: number[] = [];
  /** How many watched messages each check saw (proof that it looked). */
  readonly seen = { written: 0, delivered: 0 };
  readonly #returnedAt = new Map<number, number>();

  constructor(type: string, ttlMs: number) {
    const watch = this;
    this.WebSocket = class ExpiryWatchSocket extends WebSocket {
      readonly #openedAt = performance.now();

      constructor(url: string) {
        super(url);
        // Registered before the client's own handler, so it runs first, on the socket the frame came on.
        this.on('message', (data: Buffer) => {
          const stamp = watchedStamp(data, serverToClientKinds, type);
          if (stamp === undefined) return;
          watch.seen.delivered++;
          watch.#judge(stamp, this.#openedAt, ttlMs, watch.deliveredLate);
        });
      }

      override send(data: Uint8Array<ArrayBuffer>): void {
        const stamp = watchedStamp(data, clientToServerKinds, type);
        if (stamp !== undefined) {
          watch.seen.written++;
          watch.#judge(stamp, this.#openedAt, ttlMs, watch.writtenLate);
        }
        super.send(data);
      }
    };
  }

  /** Call once the `send` of the message stamped `stamp` has returned. */
  sent(stamp: number): void {
    this.#returnedAt.set(stamp, performance.now());
  }

  /**
   * A message on a socket opened at `openedAt` was written after it. One whose `send` has not returned
   * was written within that call, as it started its life.
   */
  #judge(stamp: number, openedAt: number, ttlMs: number, late: number[]): void {
    const returnedAt = this.#returnedAt.get(stamp);
    if (returnedAt !== undefined && openedAt - returnedAt > ttlMs) late.push(openedAt - returnedAt - ttlMs);
  }
}

/** The stamp of an expiring room message of `type` in `frame`, if it is one. */
function watchedStamp(frame: Uint8Array, kinds: ReadonlySet<number>, type: string): number | undefined {
  // Only expiring envelopes are decoded: the rest (acks, datagrams, reliable traffic) is none of its business.
  if (frame[0] !== Kind.Expiring) return undefined;
  const decoded = decodeFrame(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength), kinds);
  const body = decoded.message.body as { t?: unknown; d?: unknown };
  return body.t === type && typeof body.d === 'number' ? body.d : undefined;
}
