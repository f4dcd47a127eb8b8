import type { InputPacer } from './input-pacer.js';
import type { LoadMeter } from './load-meter.js';

/** One bot (stand-in player) of the CCU benchmark, as its process holds it. */
export interface Bot {
  /** Whether its server link is direct (always false outside 'ours-link'). */
  direct(): boolean;
  /** A vehikill-net bot that decodes: whether it holds every car of its room (undefined otherwise). */
  holdsRoom?: (() => boolean) | undefined;
  close(): void;
}

/** What one room of bots is made from, for every system. */
export interface RoomOfBots {
  url: string;
  /** Players in the room, and the bot index of the first (it sets each bot's input phase). */
  count: number;
  firstIndex: number;
  /** How many of them decode everything they receive (the rest are light, see `LoadModel`). */
  decoding: number;
  meter: LoadMeter;
  pacer: InputPacer;
}

/**
 * Opens a room's players with `open`: the first alone (it creates the room), then the rest at once; the
 * first `decoding` of them decode.
 */
export async function openRoomOfBots(
  room: RoomOfBots,
  open: (index: number, decodes: boolean) => Promise<Bot>,
): Promise<Bot[]> {
  const first = await open(room.firstIndex, room.decoding > 0);
  const rest = await Promise.all(
    Array.from({ length: room.count - 1 }, (_, i) => open(room.firstIndex + 1 + i, i + 1 < room.decoding)),
  );
  return [first, ...rest];
}
