import type { MessageClass } from '../../protocol/index.js';
import type { DeviceReport, Link } from '../../transport/core.js';

export interface SendOptions {
  /** Defaults to 'reliable'. */
  class?: MessageClass;
  /** For the expiring class: milliseconds after which the message is dropped instead of sent. */
  ttlMs?: number;
}

/** A member of a room, as the room's code sees it. */
export interface RoomClient {
  /** Public id of the player's session: stable across reconnects within the grace period. */
  readonly playerId: string;
  /** The identity the authenticator gave (a guest id or the app's own user id). */
  readonly userId: string;
  readonly name: string;
  /**
   * Where the player's newest connection comes from: the socket's address, or the one the trusted proxies
   * name (`trustProxy`). One person's tabs and sessions share it; so may several people behind one NAT.
   * `addressBlock(address)` is what the server's per-address limits count (an IPv6 address's /64).
   */
  readonly address: string;
  /**
   * The app's own data for the player's session (socket.io's `socket.data`, Colyseus's `client.userData`):
   * an object of the session's, the same in every room the player sits in on this node, kept across their
   * reconnects and a takeover by a reloaded page, let go when the session ends. Not carried to another node
   * (a player moved there starts a new session): keep what must outlive that in the app's own store.
   */
  readonly data: Record<string, unknown>;
  /** True while the player's connection is down and the seat is held for them. */
  readonly away: boolean;
  /** Newest heartbeat round-trip time in ms. */
  readonly rttMs: number;
  /**
   * The player's link to the server: send snapshots on `phys` (datagrams when the link is direct,
   * newest-only over the WebSocket otherwise), `event` and `dispatch`. `link.state` is 'direct' or
   * 'relayed' (TCP mode). What the player sends on it arrives in the room's `onLinkMessage`. While the room
   * decides on their join (`onJoin`, and `stateFor` during the join) it reads 'connecting' and refuses
   * every send (false): the player's client knows nothing of the room before the join's answer (greet them
   * with `send`, which waits for it); a link kept from then works once they are seated. Once they have
   * left the room (or it is gone, or it refused their join) it reads as 'closed', sends nothing and hears
   * nothing, a link object kept from earlier too: the player's link serves the room they are in now.
   * `link.device` is what the player's device declared (visibility, cores, memory, connection, battery;
   * undefined until its first report), which adaptive rates follow.
   */
  readonly link: Link & { readonly device?: DeviceReport | undefined };
  /**
   * Sends the player a room message. Once they have left the room (or it is gone) nothing is sent: a
   * reference kept past `onLeave` reaches them no more, whichever room they are in now.
   */
  send(type: string, data?: unknown, options?: SendOptions): void;
}
