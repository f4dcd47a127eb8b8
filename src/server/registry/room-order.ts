import type { Scalar } from '../../protocol/index.js';

/**
 * The order quick play reads a room type's open rooms in, as the registry stores it with each listing
 * (`RoomListing.order`) and indexes it: the lowest score first, ties broken by age (the oldest first).
 * Without one, rooms go oldest first. `direction` 1: the smallest value first; -1: the largest.
 */
export type RoomOrder =
  | { by: 'clients'; direction: 1 | -1 }
  | { by: 'metadata'; field: string; direction: 1 | -1 };

/** What a room's place in an order is read from. */
export interface OrderedRoom {
  clients: number;
  createdAt: number;
  metadata: Readonly<Record<string, Scalar>>;
}

/**
 * A room's score in `order`: the lower, the sooner quick play tries it. A room whose metadata field is no
 * number (missing, a string) goes after every room that has one: Infinity, as the Redis index scores it.
 */
export function orderScore(order: RoomOrder, room: OrderedRoom): number {
  if (order.by === 'clients') return order.direction * room.clients;
  const value = room.metadata[order.field];
  return typeof value === 'number' ? order.direction * value : Number.POSITIVE_INFINITY;
}

/** Compares two rooms as quick play takes them in `order` (oldest first without one, and among ties). */
export function compareRooms(order: RoomOrder | undefined): (a: OrderedRoom, b: OrderedRoom) => number {
  return (a, b) => {
    if (order !== undefined) {
      const [left, right] = [orderScore(order, a), orderScore(order, b)];
      // Not a subtraction: two rooms without the field are both Infinity, a tie, not NaN.
      if (left !== right) return left < right ? -1 : 1;
    }
    return a.createdAt - b.createdAt;
  };
}

/**
 * A listing stored with an order the registries index: of the form the Redis script indexes (its
 * `ordered`), so that both registries tell the same rooms apart from those listed with none.
 */
export function listedInOrder(room: { order?: unknown }): boolean {
  const order = room.order as Partial<Record<string, unknown>> | undefined;
  if (typeof order !== 'object' || order === null) return false;
  if (order.direction !== 1 && order.direction !== -1) return false;
  return order.by === 'clients' || (order.by === 'metadata' && typeof order.field === 'string');
}

/** A listing as `compareListings` reads it. */
export type ListedRoom = OrderedRoom & { roomId: string; order?: unknown };

/**
 * Compares two listings as a query in `order` (see `orderOf`) reads them: first the rooms listed in an
 * order, by `order`, then those listed with none (a node of an earlier version, or one that defines the
 * type without the order: a rolling deploy that adds one), oldest first. So the Redis registry reads them
 * (its order index, then the type's other open rooms), and so every registry must: one rule for all.
 * Without an order, oldest first. Rooms created at the same time go by their ids, as Redis's sorted sets
 * break ties by member (rooms made in one millisecond are common: a burst, or two nodes).
 */
export function compareListings(order: RoomOrder | undefined): (a: ListedRoom, b: ListedRoom) => number {
  const inOrder = compareRooms(order);
  const oldestFirst = compareRooms(undefined);
  const byPlace = (a: ListedRoom, b: ListedRoom): number => {
    if (order === undefined) return oldestFirst(a, b);
    const [left, right] = [listedInOrder(a), listedInOrder(b)];
    if (left !== right) return left ? -1 : 1;
    return left ? inOrder(a, b) : oldestFirst(a, b);
  };
  return (a, b) => byPlace(a, b) || compareIds(a.roomId, b.roomId);
}

/**
 * Room ids as Redis orders members: by their UTF-8 bytes. Without surrogates (every generated id) that is
 * the order of their UTF-16 units; with them, the units would put some characters apart from their bytes.
 */
function compareIds(a: string, b: string): number {
  if (SURROGATE.test(a) || SURROGATE.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * The order a query reads rooms in: its `order` when it asks for one type's open rooms (as the Redis
 * registry indexes them), else none (oldest first), the same in every registry.
 */
export function orderOf(query: {
  type?: string;
  order?: RoomOrder;
  includeFull?: boolean;
  includePrivate?: boolean;
  includeLocked?: boolean;
}): RoomOrder | undefined {
  const openOnly = !query.includeFull && !query.includePrivate && !query.includeLocked;
  return openOnly && query.type !== undefined ? query.order : undefined;
}
