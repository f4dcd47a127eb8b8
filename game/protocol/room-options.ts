import * as v from 'valibot';

/** The room type the game server defines and clients join. */
export const ROOM_TYPE = 'vehikill';

/** Seats per room: the peer mesh's default cap is 8; up to 16 is allowed. */
export const SEATS = { default: 8, min: 2, max: 16 } as const;
/** Match length bounds in minutes (the rules' own cap is 4095 s). */
export const MATCH_MINUTES = { default: 5, min: 0.5, max: 60 } as const;
/** Server-side bots a room may be topped up to. */
export const MAX_BOTS = 15;

/**
 * What a creator (Create, or Quick Play when it makes a new room) may ask for; every field is optional
 * and the server's defaults fill the rest. Validated on the server: a bad option refuses the create.
 */
export const createOptionsSchema = v.object({
  /** Set by Quick Play: such a room is topped up with server-side bots while few humans play. */
  quickPlay: v.optional(v.boolean()),
  /** Players (humans and bots) a room keeps at least, with bots; 0 turns bots off. */
  bots: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_BOTS))),
  matchMinutes: v.optional(v.pipe(v.number(), v.minValue(MATCH_MINUTES.min), v.maxValue(MATCH_MINUTES.max))),
  maxPlayers: v.optional(v.pipe(v.number(), v.integer(), v.minValue(SEATS.min), v.maxValue(SEATS.max))),
  /** Players' addresses stay hidden from each other: the peer mesh goes through TURN or the server. */
  relayOnly: v.optional(v.boolean()),
});

export type CreateOptions = v.InferOutput<typeof createOptionsSchema>;
