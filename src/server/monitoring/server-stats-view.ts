import type { WebSocket } from 'ws';
import type { RoomListing } from '../registry/registry.js';
import type { Session } from '../sessions/session.js';
import type { PlayerStats, RoomStats, ServerStats } from './server-stats.js';

export interface ServerStatsSources {
  connections(): number;
  sessions(): Iterable<Session>;
  rooms(): readonly RoomListing[];
}

/**
 * The GameServer's ServerStats: copies out of live sessions and rooms, so a reader can keep or change
 * what it got without touching the server.
 */
export function createServerStats(sources: ServerStatsSources): ServerStats {
  // A session's sockets are numbered as they come (each resume brings a new one); polled, so two
  // reconnects between polls count as one.
  const sockets = new WeakMap<Session, { socket: WebSocket | undefined; count: number }>();
  const connectionOf = (session: Session): number => {
    const known = sockets.get(session);
    const socket = session.socket;
    if (!known) {
      sockets.set(session, { socket, count: 1 });
      return 1;
    }
    if (socket !== undefined && socket !== known.socket) {
      known.socket = socket;
      known.count++;
    }
    return known.count;
  };
  return {
    get connections() {
      return sources.connections();
    },
    get sessions() {
      let count = 0;
      for (const _ of sources.sessions()) count++;
      return count;
    },
    rooms(): RoomStats[] {
      return sources.rooms().map((listing) => ({
        roomId: listing.roomId,
        type: listing.type,
        ...(listing.code === undefined ? {} : { code: listing.code }),
        private: listing.private,
        locked: listing.locked,
        clients: listing.clients,
        maxClients: listing.maxClients,
        createdAt: listing.createdAt,
      }));
    },
    players(): PlayerStats[] {
      return [...sources.sessions()].map((session) => ({
        playerId: session.playerId,
        name: session.identity.name,
        roomId: session.roomId,
        away: session.awaySince !== undefined,
        rttMs: session.rttMs,
        serverLink: session.link.state,
        connection: connectionOf(session),
        quality: session.link.quality.snapshot(),
      }));
    },
  };
}
