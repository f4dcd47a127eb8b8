/**
 * Server-side bots one address may have running at once, over all the rooms created from it, by default:
 * three rooms full of bots (15 each) and a Quick Play room's few. Each bot costs the node simulation and
 * brain time every tick and its room's memory (about 7 MB a room of 15): 90 such rooms from one address
 * took two cores and 1.2 GB.
 */
export const DEFAULT_MAX_BOTS_PER_ADDRESS = 48;

/**
 * The server bots each address's rooms may run. A room holds its bot target (the most bots it ever runs:
 * bots leave as humans join and come back as they leave) against its creator's address from its creation
 * until it is disposed. Pure bookkeeping, shared by all the rooms of one configured room type.
 */
export class BotAllowance<Room = object> {
  readonly max: number;
  readonly #byAddress = new Map<string, number>();
  readonly #rooms = new Map<Room, { readonly address: string; readonly bots: number }>();

  constructor(max: number = DEFAULT_MAX_BOTS_PER_ADDRESS) {
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`the most bots per address must be a whole number ≥ 0, got ${max}`);
    }
    this.max = max;
  }

  /** Bots the rooms created from `address` hold now. */
  running(address: string): number {
    return this.#byAddress.get(address) ?? 0;
  }

  /** Bots `address` may still add. */
  left(address: string): number {
    return Math.max(0, this.max - this.running(address));
  }

  /** `room` runs up to `bots` bots for `address` until `release(room)`; false (holding nothing) past the bound. */
  hold(room: Room, address: string, bots: number): boolean {
    if (bots <= 0) return true;
    if (this.#rooms.has(room) || bots > this.left(address)) return false;
    this.#rooms.set(room, { address, bots });
    this.#byAddress.set(address, this.running(address) + bots);
    return true;
  }

  /** The room is gone: its bots count against its address no more (again: nothing). */
  release(room: Room): void {
    const held = this.#rooms.get(room);
    if (!held) return;
    this.#rooms.delete(room);
    const rest = this.running(held.address) - held.bots;
    if (rest > 0) this.#byAddress.set(held.address, rest);
    else this.#byAddress.delete(held.address);
  }

  /** Addresses holding bots now (memory is bounded by the rooms alive). */
  get addresses(): number {
    return this.#byAddress.size;
  }
}
