import { DEFAULT_MAX_FRAME_BYTES, ErrorCode, ProtocolError } from '../protocol/index.js';

/**
 * The largest frame the server takes: from its welcome, lowered by a 1009 close (see `refused`), and the
 * largest frame written on the current socket, which such a close is blamed on.
 */
export class FrameLimit {
  #maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  /**
   * Below the smallest frame a server refused with 1009 (Infinity: none was): kept across welcomes, since
   * the refusal may have come from something in between that no welcome speaks for.
   */
  #refusedFrom = Number.POSITIVE_INFINITY;
  /** The largest frame written on the current socket: what a 1009 close is blamed on. */
  #largestWritten = 0;

  /** The largest frame the server takes, in bytes (its welcome says; 64 KiB until one does). */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  /**
   * Throws MESSAGE_TOO_LARGE for a frame the server would refuse by closing the socket (1009): before
   * anything is queued, so that nothing is replayed into the same refusal on every resume.
   */
  refuseOverLimit(frameBytes: number): void {
    if (frameBytes <= this.#maxFrameBytes) return;
    throw new ProtocolError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `a message of ${frameBytes.toLocaleString('en-US')} bytes with its frame is over the server's limit of ${this.#maxFrameBytes.toLocaleString('en-US')} bytes`,
    );
  }

  /** A new socket: nothing written on it yet. */
  socketOpened(): void {
    this.#largestWritten = 0;
  }

  written(frameBytes: number): void {
    if (frameBytes > this.#largestWritten) this.#largestWritten = frameBytes;
  }

  /**
   * The server closed the socket for a frame over its limit (1009). The refused frame is at most the
   * largest one written on that socket, and ws reads nothing after it, so that largest frame was over the
   * limit too: the limit is taken as below it from now on. Returns that frame's size.
   */
  refused(): number {
    const largest = this.#largestWritten;
    if (largest > 0) {
      this.#refusedFrom = Math.min(this.#refusedFrom, largest);
      this.#maxFrameBytes = Math.min(this.#maxFrameBytes, largest - 1);
    }
    return largest;
  }

  /**
   * A welcome announced `maxFrameBytes` (undefined: an older server, which says nothing): the limit is
   * that, below any frame refused before. Whether it changed.
   */
  announced(maxFrameBytes: number | undefined): boolean {
    const limit = Math.min(maxFrameBytes ?? this.#maxFrameBytes, this.#refusedFrom - 1);
    if (limit === this.#maxFrameBytes) return false;
    this.#maxFrameBytes = limit;
    return true;
  }

  /** The error telling that frames over the limit are refused, and `dropped` messages were dropped for it. */
  tooLarge(why: string, dropped: number): ProtocolError {
    const limit = this.#maxFrameBytes.toLocaleString('en-US');
    const lost = dropped === 1 ? '1 message' : `${dropped} messages`;
    return new ProtocolError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `${why}: ${dropped > 0 ? `${lost} over it dropped unsent; ` : ''}frames over ${limit} bytes are refused from now on`,
    );
  }
}
