import type { RoomConnection } from './room-connection.js';

/** The room the client is in, for the parts of the client that may put it out of it. */
export interface RoomSeat {
  /** The room we are in, if any. */
  room(): RoomConnection | undefined;
  /** Makes us in no room. */
  vacate(): void;
}
