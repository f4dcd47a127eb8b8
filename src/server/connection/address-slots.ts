/**
 * Connections held per address block (see `addressBlock`), bounded: one machine, or one flooder, cannot
 * take every connection the server allows. A slot is taken when an upgrade passes its checks and given
 * back when its socket closes, whatever happened in between (refused credentials, a completed session).
 */
export class AddressSlots {
  readonly #held = new Map<string, number>();
  readonly #max: number;

  constructor(maxPerAddress: number) {
    this.#max = maxPerAddress;
  }

  /** Takes a slot for `block`; false when it holds the most allowed already. */
  take(block: string): boolean {
    const held = this.#held.get(block) ?? 0;
    if (held >= this.#max) return false;
    this.#held.set(block, held + 1);
    return true;
  }

  release(block: string): void {
    const held = this.#held.get(block);
    if (held === undefined) return;
    // Forgotten at zero: the map holds only addresses with a connection open.
    if (held <= 1) this.#held.delete(block);
    else this.#held.set(block, held - 1);
  }
}
