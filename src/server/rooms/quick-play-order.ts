import type { RoomOrder } from '../registry/room-order.js';

/**
 * Which open room of a type quick play seats a player in first (`GameServer.define`'s `quickPlayOrder`):
 * - `'oldest'` (the default): the room created first;
 * - `'fullest'`: the one with the most players (fills rooms up: matches start sooner);
 * - `'emptiest'`: the one with the fewest (spreads players out);
 * - `{ metadata: 'rating', order: 'ascending' | 'descending' }`: by a number in the rooms' metadata; rooms
 *   whose metadata has no number there come after every room that has one.
 * Ties go to the oldest room.
 */
export type QuickPlayOrder =
  | 'oldest'
  | 'fullest'
  | 'emptiest'
  | { metadata: string; order: 'ascending' | 'descending' };

/** Options of a room type (`GameServer.define`). */
export interface RoomTypeOptions {
  /** The order quick play tries the type's open rooms in. Default `'oldest'`. */
  quickPlayOrder?: QuickPlayOrder;
}

const MAX_FIELD_LENGTH = 64;

/**
 * The registry's order for a room type's `quickPlayOrder`; undefined for oldest first. Throws a TypeError
 * naming the type and what it takes for anything else, so that a typo fails at `define`, not as a quick
 * play that silently goes oldest first.
 */
export function roomOrderOf(type: string, given: unknown): RoomOrder | undefined {
  if (given === undefined || given === 'oldest') return undefined;
  if (given === 'fullest') return { by: 'clients', direction: -1 };
  if (given === 'emptiest') return { by: 'clients', direction: 1 };
  if (typeof given === 'object' && given !== null && !Array.isArray(given)) {
    const { metadata, order, ...rest } = given as Record<string, unknown>;
    const fieldOk =
      typeof metadata === 'string' && metadata.length > 0 && metadata.length <= MAX_FIELD_LENGTH;
    if (fieldOk && (order === 'ascending' || order === 'descending') && Object.keys(rest).length === 0) {
      return { by: 'metadata', field: metadata, direction: order === 'ascending' ? 1 : -1 };
    }
  }
  throw new TypeError(
    `room type '${type}': quickPlayOrder must be 'oldest', 'fullest', 'emptiest' or ` +
      `{ metadata: '<field, 1-${MAX_FIELD_LENGTH} characters>', order: 'ascending' | 'descending' }; ` +
      `got ${describe(given)}`,
  );
}

/** A short account of a bad option for the message (its JSON, cut), never a throw of its own. */
function describe(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 80)}...` : text;
}
