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
