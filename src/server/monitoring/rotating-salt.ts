import { createHmac, randomBytes } from 'node:crypto';

/**
 * Pseudonymises ids with HMAC-SHA256 under a random salt that changes every `periodMs` (a day by
 * default). Salts live only in memory and are never written with the data, so once a period is over no
 * one, the operator included, can link its hashes to ids or to the next period's hashes.
 */
export class RotatingSalt {
  readonly #periodMs: number;
  #period = Number.NaN;
  #salt: Buffer = Buffer.alloc(0);

  constructor(periodMs = 86_400_000) {
    if (!(periodMs > 0)) throw new TypeError(`salt period must be positive, got ${periodMs}`);
    this.#periodMs = periodMs;
  }

  /** Hex digest (16 characters: 64 bits, plenty to tell a day's players apart) of `id` in the period of `now`. */
  hash(id: string, now: number): string {
    const period = Math.floor(now / this.#periodMs);
    if (period !== this.#period) {
      this.#period = period;
      this.#salt = randomBytes(32);
    }
    return createHmac('sha256', this.#salt).update(id).digest('hex').slice(0, 16);
  }
}
