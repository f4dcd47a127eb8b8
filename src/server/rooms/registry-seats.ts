import type { Registry, RoomListing } from '../registry/registry.js';

/**
 * How `RegistrySeats.reserve` went: the seat is held; refused; or refused though seats were given back
 * while the reservation was out (a leave, or a re-registration, crossed it), so the refusal may be
 * stale: the room was full a moment ago, not missing from the registry.
 */
export type SeatAnswer = 'taken' | 'refused' | 'refused-crossing-a-release';

/** A seat reservation sent to the registry and not yet answered. */
interface Reservation {
  readonly playerId: string;
  /** `RegistrySeats.#releases` when it was sent. */
  readonly releasesBefore: number;
  /**
   * The re-registration (`rewrite`) that wrote this player among the room's seats while the reservation
   * was out: the registry holds their seat whichever of the two ran first.
   */
  countedBy?: Promise<unknown>;
}

/**
 * One room's seats in the registry, kept right while reservations, releases and re-registrations of the
 * room cross each other on their way there: what the registry counts is what this node can account for.
 * The room says who holds a seat on its side (members, players being admitted); this keeps the rest:
 * reservations out, players whose seat was given and whose admission has not started, and seats a
 * re-registration wrote in for a reservation the registry then refused.
 */
export class RegistrySeats {
  readonly #roomId: string;
  readonly #registry: Registry;
  /** A write failed (the registry was unreachable): the room's manager puts the listing right later. */
  readonly #onFailure: () => void;
  /** Seat reservations sent to the registry and not yet answered (see `reserve`). */
  readonly #reserving = new Set<Reservation>();
  /** Players whose seat the registry gave and whose admission has not started yet. */
  readonly #holding = new Set<string>();
  /**
   * Refused reservations a re-registration wrote in as seats (see `reserve`), until those seats are
   * given back: the registry counts them meanwhile, and so does `inUse`.
   */
  #phantoms = 0;
  /** The re-registration of this room under way (see `rewrite`). */
  #rewriting: Promise<unknown> | undefined;
  /**
   * Seat releases and re-registrations so far (either may free seats in the registry): a refusal that
   * crossed one may be stale (see `reserve`).
   */
  #releases = 0;

  constructor(roomId: string, registry: Registry, onFailure: () => void) {
    this.#roomId = roomId;
    this.#registry = registry;
    this.#onFailure = onFailure;
  }

  /** Players whose seat the registry gave and whose admission has not started yet. */
  get holding(): ReadonlySet<string> {
    return this.#holding;
  }

  /** The player's admission has started: the room counts their seat from here on. */
  admitting(playerId: string): void {
    this.#holding.delete(playerId);
  }

  /**
   * Seats taken or maybe taken in the registry: the room's own holders (`holders`, which include
   * `holding`), reservations out, and seats written in for refused reservations.
   */
  inUse(holders: Iterable<string>): number {
    const players = new Set(holders);
    for (const reservation of this.#reserving) players.add(reservation.playerId);
    return players.size + this.#phantoms;
  }

  /**
   * Reserves a seat in the registry for `playerId`, kept right across a re-registration of the room
   * (`rewrite`) that runs while the reservation is out:
   * - one that read the seats while it was out wrote the player in, whichever of the two ran first:
   *   the seat is held if taken; if refused, the seat the re-registration gave is released once it is
   *   written.
   * - one under way when it was sent read the seats before, and may run after it and wipe it: once it
   *   is written, the seat is reserved again (kept if still held, taken if free, refused if not).
   * A refusal that crossed a seat given back here (a leave) or a re-registration (which may drop seats
   * the registry held) is asked once more, since a seat may be free now. Throws what the registry throws.
   */
  async reserve(playerId: string): Promise<SeatAnswer> {
    for (let attempt = 0; ; attempt++) {
      const reservation: Reservation = { playerId, releasesBefore: this.#releases };
      const rewriting = this.#rewriting;
      this.#reserving.add(reservation);
      let taken: boolean;
      try {
        taken = await this.#registry.reserveSeat(this.#roomId, playerId);
      } finally {
        this.#reserving.delete(reservation);
      }
      const last = attempt >= 2;
      if (taken) {
        // Counted as a seat holder from here on, with no gap before `admitting` (or `release`).
        this.#holding.add(playerId);
        if (reservation.countedBy !== undefined || rewriting === undefined || last) return 'taken';
        await rewriting.catch(() => {});
        continue;
      }
      this.#holding.delete(playerId);
      if (reservation.countedBy !== undefined) {
        // Written in by the re-registration while refused here: given back after it, not before it.
        this.#phantoms++;
        await reservation.countedBy.catch(() => {});
        this.#phantoms--;
        this.#releases++;
        await this.#registry.releaseSeat(this.#roomId, playerId).catch(() => this.#onFailure());
      }
      // Refused before a re-registration that was on its way may have dropped seats: asked again after it.
      if (rewriting !== undefined) await rewriting.catch(() => {});
      if (this.#releases === reservation.releasesBefore && rewriting === undefined) return 'refused';
      if (attempt >= 1) return 'refused-crossing-a-release';
    }
  }

  /** Gives a seat back in the registry (a member left, or a join failed after its reservation). */
  release(playerId: string): void {
    this.#holding.delete(playerId);
    this.#releases++;
    void this.#registry.releaseSeat(this.#roomId, playerId).catch(() => this.#onFailure());
  }

  /**
   * Writes the room to the registry again with its seats: the room's holders (`holders`) and players whose
   * reservation is out (see `reserve`), so that a seat reserved just before the write is not wiped by it.
   * Resolves as `Registry.addRoom`.
   */
  rewrite(listing: RoomListing, holders: Iterable<string>): Promise<boolean> {
    const reservations = [...this.#reserving];
    const seats = new Set(holders);
    for (const reservation of reservations) seats.add(reservation.playerId);
    this.#releases++;
    const written = this.#registry.addRoom(listing, [...seats]);
    for (const reservation of reservations) reservation.countedBy = written;
    this.#rewriting = written;
    const settled = () => {
      if (this.#rewriting === written) this.#rewriting = undefined;
    };
    written.then(settled, settled);
    return written;
  }
}
