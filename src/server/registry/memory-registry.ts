import {
  type ListingPatch,
  matchesQuery,
  type Registry,
  type RoomListing,
  type RoomQuery,
} from './registry.js';

/** The default registry: one process, no setup. Atomicity is free since each call runs to completion. */
export class MemoryRegistry implements Registry {
  readonly #rooms = new Map<string, { listing: RoomListing; seats: Set<string> }>();
  readonly #codes = new Map<string, string>();

  async addRoom(listing: RoomListing): Promise<boolean> {
    if (listing.code !== undefined && this.#codes.has(listing.code)) return false;
    if (listing.code !== undefined) this.#codes.set(listing.code, listing.roomId);
    this.#rooms.set(listing.roomId, { listing: { ...listing, clients: 0 }, seats: new Set() });
    return true;
  }

  async updateRoom(roomId: string, patch: ListingPatch): Promise<void> {
    const entry = this.#rooms.get(roomId);
    if (entry) entry.listing = { ...entry.listing, ...patch };
  }

  async removeRoom(roomId: string): Promise<void> {
    const entry = this.#rooms.get(roomId);
    if (!entry) return;
    this.#rooms.delete(roomId);
    if (entry.listing.code !== undefined) this.#codes.delete(entry.listing.code);
  }

  async getRoom(roomId: string): Promise<RoomListing | undefined> {
    const entry = this.#rooms.get(roomId);
    return entry ? { ...entry.listing } : undefined;
  }

  async findByCode(code: string): Promise<RoomListing | undefined> {
    const roomId = this.#codes.get(code);
    return roomId === undefined ? undefined : this.getRoom(roomId);
  }

  async listRooms(query: RoomQuery): Promise<RoomListing[]> {
    const found: RoomListing[] = [];
    for (const { listing } of this.#rooms.values()) {
      if (matchesQuery(listing, query)) found.push({ ...listing });
    }
    return found.sort((a, b) => a.createdAt - b.createdAt);
  }

  async reserveSeat(roomId: string, playerId: string): Promise<boolean> {
    const entry = this.#rooms.get(roomId);
    if (!entry) return false;
    if (entry.seats.has(playerId)) return true;
    if (entry.listing.locked || entry.seats.size >= entry.listing.maxClients) return false;
    entry.seats.add(playerId);
    entry.listing = { ...entry.listing, clients: entry.seats.size };
    return true;
  }

  async releaseSeat(roomId: string, playerId: string): Promise<void> {
    const entry = this.#rooms.get(roomId);
    if (!entry?.seats.delete(playerId)) return;
    entry.listing = { ...entry.listing, clients: entry.seats.size };
  }

  async close(): Promise<void> {
    this.#rooms.clear();
    this.#codes.clear();
  }
}
