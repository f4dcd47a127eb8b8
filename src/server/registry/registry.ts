import type { RoomInfo, Scalar } from '../../protocol/index.js';

/** What the cluster knows of one room: its public listing plus the seats held in it. */
export interface RoomListing extends RoomInfo {
  /** A locked room takes no new players (the app decides, e.g. once a match has started). */
  locked: boolean;
  createdAt: number;
}

export interface RoomQuery {
  type?: string;
  /** Every entry must equal the room's metadata value under the same key. */
  filter?: Readonly<Record<string, Scalar>>;
  includeFull?: boolean;
  includePrivate?: boolean;
  includeLocked?: boolean;
}

export type ListingPatch = Partial<Pick<RoomListing, 'metadata' | 'private' | 'locked' | 'maxClients'>>;

/**
 * Where rooms and seats are recorded. Shaped by what the server needs, no more: the in-memory one is the
 * default; a shared one (Redis) lets several processes see one listing. Every method may be remote,
 * hence Promises; `reserveSeat` must be atomic across everyone sharing the registry.
 */
export interface Registry {
  /** Adds a room. Fails (false) when its private code is already taken, so codes stay unique. */
  addRoom(listing: RoomListing): Promise<boolean>;
  updateRoom(roomId: string, patch: ListingPatch): Promise<void>;
  removeRoom(roomId: string): Promise<void>;
  getRoom(roomId: string): Promise<RoomListing | undefined>;
  findByCode(code: string): Promise<RoomListing | undefined>;
  listRooms(query: RoomQuery): Promise<RoomListing[]>;
  /**
   * Takes a seat for `playerId` if the room exists, is not locked and has one free. Idempotent for a
   * player who already holds a seat there. Atomic: N concurrent calls on a room with k free seats
   * succeed exactly k times.
   */
  reserveSeat(roomId: string, playerId: string): Promise<boolean>;
  releaseSeat(roomId: string, playerId: string): Promise<void>;
  close(): Promise<void>;
}

export function matchesQuery(listing: RoomListing, query: RoomQuery): boolean {
  if (query.type !== undefined && listing.type !== query.type) return false;
  if (!query.includePrivate && listing.private) return false;
  if (!query.includeLocked && listing.locked) return false;
  if (!query.includeFull && listing.clients >= listing.maxClients) return false;
  for (const [key, value] of Object.entries(query.filter ?? {})) {
    if (listing.metadata[key] !== value) return false;
  }
  return true;
}
