/** A sample of numbers, for percentiles in reports. */
export class Distribution {
  readonly #values: number[] = [];
  #sorted = true;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    const values = this.#values;
    if (values.length > 0 && value < (values[values.length - 1] as number)) this.#sorted = false;
    values.push(value);
  }

  get count(): number {
    return this.#values.length;
  }

  /** The q-quantile (0..1, nearest rank), or NaN when empty. */
  quantile(q: number): number {
    const values = this.#ordered();
    if (values.length === 0) return Number.NaN;
    const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
    return values[rank] as number;
  }

  get max(): number {
    return this.quantile(1);
  }

  get mean(): number {
    const values = this.#values;
    return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
  }

  /** How many values are above `limit`. */
  countAbove(limit: number): number {
    return this.#values.filter((value) => value > limit).length;
  }

  #ordered(): number[] {
    if (!this.#sorted) {
      this.#values.sort((a, b) => a - b);
      this.#sorted = true;
    }
    return this.#values;
  }
}
