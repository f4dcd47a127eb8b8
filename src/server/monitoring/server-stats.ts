import type { LinkQuality, LinkState } from '../../transport/core.js';

/** One room as an operator sees it. */
export interface RoomStats {
  roomId: string;
  type: string;
  code?: string;
  private: boolean;
  locked: boolean;
  clients: number;
  maxClients: number;
  /** Server time (ms) the room was created. */
  createdAt: number;
}

/** One player's session as an operator sees it: no address, no token. */
export interface PlayerStats {
  playerId: string;
  name: string;
  roomId: string | undefined;
  /**
   * The connection is down and the session is held for a resume: with its seat while `roomId` names a room
   * (a room whose own reconnection window ran out has let the seat go, the session lives on).
   */
  away: boolean;
  /** Newest heartbeat round trip (ms); 0 before the first one. */
  rttMs: number;
  /** Path of the player's server link: 'direct' (UDP datagrams) or 'relayed' (TCP mode over the WebSocket). */
  serverLink: LinkState;
  /** Counts the sockets this session has had: it goes up by one on every reconnect. */
  connection: number;
  /** The server link's quality (RTT, jitter, loss each way, kbit/s, grade) as the server measures it. */
  quality: LinkQuality;
}

/**
 * A read-only view of a running GameServer, read when metrics are scraped, the history is sampled or the
 * dashboard asks. Cheap to call once a second; never hands out anything that could change the server.
 */
export interface ServerStats {
  readonly connections: number;
  readonly sessions: number;
  rooms(): RoomStats[];
  players(): PlayerStats[];
}

/** Server links by path: 'direct' is UDP, 'relayed' is the TCP mode; 'connecting' ones have not settled. */
export function countServerLinks(players: readonly PlayerStats[]): { udp: number; tcp: number } {
  let udp = 0;
  let tcp = 0;
  for (const player of players) {
    if (player.away) continue;
    if (player.serverLink === 'direct') udp++;
    else if (player.serverLink === 'relayed') tcp++;
  }
  return { udp, tcp };
}
