import type { WebSocketConstructor } from 'vehikill-net/client';
import { clientToServerKinds, decodeFrame, Kind, serverToClientKinds } from 'vehikill-net/protocol';
import { WebSocket } from 'ws';

/**
 * Watches expiring room messages of one type, whose data is a `performance.now()` stamp taken just before
 * they were sent (both ways, all in this process), where lateness is the sender's doing whatever the
 * machine's load: what the client writes, judged as it writes it, and what the server wrote, judged by
 * the socket it came on (the server can only have written it once that socket existed). Their age on
 * arrival also counts socket buffers and a busy event loop, which no sender controls.
 *
 * A message's life starts inside its `send` call, some time after its stamp: a loaded machine can stop
 * the process for tens of ms between the two. So a message counts as late only when it was written more
 * than its TTL after `send` returned (see `sent`), which it started its life before: never a false alarm,
 * and a message replayed after an outage of many TTLs is far past it.
 */
export class ExpiryWatch {
  /** For Node clients: a `ws` WebSocket that checks the watched messages it writes and receives. */
  readonly WebSocket: WebSocketConstructor;
  /** How late (ms past the TTL) the client wrote watched messages, for those it wrote late. */
  readonly writtenLate: number[] = [];
  /**
   * How long (ms past the TTL) before the socket they came on was opened the server's watched messages
   * were sent, for those sent over a TTL before it.
   */
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
          watch.#judge(stamp, performance.now(), ttlMs, watch.writtenLate);
        }
        super.send(data);
      }
    };
  }

  /** Call once the `send` of the message stamped `stamp` has returned. */
  sent(stamp: number): void {
    this.#returnedAt.set(stamp, performance.now());
  }

  /** A message whose `send` has not returned was written within that call, as it started its life. */
  #judge(stamp: number, at: number, ttlMs: number, late: number[]): void {
    const returnedAt = this.#returnedAt.get(stamp);
    if (returnedAt !== undefined && at - returnedAt > ttlMs) late.push(at - returnedAt - ttlMs);
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
