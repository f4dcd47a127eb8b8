import type { ErrorCode, ProtocolError, SessionGoneReason } from '../protocol/index.js';
import type { DeviceState } from './device/device-watch.js';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface ClientEvents {
  state: ConnectionState;
  /**
   * First welcome of a session (also after a session expired and a fresh one began). `takenOver`: the
   * session is one this client took over with the `resumeToken` option (same `playerId`; `client.room`
   * is the room it sits in, if any); false for a fresh one.
   */
  open: { playerId: string; name: string; takenOver: boolean };
  /**
   * `client.resumeToken` changed (a new session, a takeover, a renewed guest token): keep the new one
   * where a reloaded page finds it (sessionStorage), in place of the one before.
   */
  'resume-token': { token: string };
  /** The socket was lost; reconnect attempts follow. */
  drop: { code: number; reason: string };
  /** Back after a drop. `resumed`: same session, nothing lost. `resync`: the room state is being resent. */
  reconnect: { resumed: boolean; resync: boolean; attempts: number; downtimeMs: number };
  /**
   * The client moved to another server of the cluster, with a fresh session there: to follow a room
   * (ROOM_ON_OTHER_NODE), off a draining server (SERVER_DRAINING), or off one that stopped answering
   * (NODE_UNREACHABLE). A room on the old server was left with that code as its reason.
   */
  moved: { url: string; code: ErrorCode };
  /**
   * The server no longer had our session, or welcomed a fresh one in its place: rooms were left and
   * requests failed (SESSION_EXPIRED); a fresh session follows. `reason`: why, in a word, when the server
   * said (its refusal's `reason`: see SessionGoneReason); absent when it did not (a RESUME_REJECTED, a
   * fresh welcome in its place, or a server that predates the field).
   */
  'session-expired': { message: string; reason?: SessionGoneReason };
  /**
   * A notice from the server that answers no request: a fault it let pass, a shutdown or drain notice,
   * or the reason it gives just before closing the connection (SESSION_EXPIRED, ...), whose outcome
   * `drop`, `session-expired`, `moved` or `closed` reports as well.
   */
  error: ProtocolError;
  /**
   * The server is shutting down and closes its players in `inMs` (from its SERVER_SHUTTING_DOWN notice,
   * which `error` reports too, just after): the room plays on until then, or until it ends first; then
   * `closed` follows with SERVER_SHUTTING_DOWN. For a countdown the page need not read from the message.
   */
  closing: { inMs: number; message: string };
  /**
   * The device changed (page hidden or shown, battery, connection): reported to the server, which lowers
   * snapshot rates for a hidden or saving device. The game can lower its own peer phys rate likewise
   * (see `physRateFor`).
   */
  device: DeviceState;
  /** The client stopped for good: by `close()`, a server goodbye, a fatal error or giving up. */
  closed: { code: ErrorCode | 'CLOSED_BY_CLIENT' | 'GAVE_UP'; message: string };
}
