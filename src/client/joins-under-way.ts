/**
 * The joins waiting for their answer: how many, and their requests (redirects followed), which a leave
 * made meanwhile waits for (see `RoomLeaving`).
 */
export class JoinsUnderWay {
  /** Joins waiting for their answer. */
  #count = 0;
  /** Their requests. */
  readonly #requests = new Set<Promise<unknown>>();

  /** Whether a join is waiting for its answer. */
  get waiting(): boolean {
    return this.#count > 0;
  }

  /** The requests of the joins waiting. */
  get requests(): ReadonlySet<Promise<unknown>> {
    return this.#requests;
  }

  /** Starts a join: counted before its request is sent, which `send` returns. */
  start(send: () => Promise<unknown>): Promise<unknown> {
    this.#count++;
    const request = send();
    this.#requests.add(request);
    return request;
  }

  /** The join of `request` is over, answered or not: whether none waits any more. */
  finish(request: Promise<unknown>): boolean {
    this.#requests.delete(request);
    return --this.#count === 0;
  }
}
