/**
 * The Vehikill server of the match benchmark, in its own process pinned to one core: a GameServer with
 * the game's room, answering `ticks` (the rooms' tick times: p50, p99, count) and `reset` over IPC.
 */
import { GameServer } from 'vehikill-net/server';
import { ROOM_TYPE } from '../../../game/protocol/index.js';
import { type VehikillRoom, vehikillRoom } from '../../../game/server/vehikill-room.js';
import { serveRequests } from '../ccu/pinned-process.js';

export type MatchServerRequest = { op: 'ticks' } | { op: 'reset' } | { op: 'close' };

const rooms = new Set<VehikillRoom>();
/** The game's room, remembered so its tick times can be read. */
class MeasuredRoom extends vehikillRoom({}) {
  override onCreate(options: unknown): void {
    super.onCreate(options);
    rooms.add(this);
  }
  override onDispose() {
    rooms.delete(this);
    super.onDispose();
  }
}

// TCP mode: one WebSocket per player carries inputs and snapshots, as in a browser without UDP.
const server = new GameServer({ serverLink: { enabled: false } }).define(ROOM_TYPE, MeasuredRoom);
const { wsUrl } = await server.listen(0);

serveRequests<MatchServerRequest>(
  async (request) => {
    switch (request.op) {
      case 'ticks': {
        const room = [...rooms][0];
        if (!room) return { p50: Number.NaN, p99: Number.NaN, count: 0, players: 0 };
        const times = room.tickTimes;
        return {
          p50: times.quantile(0.5),
          p99: times.quantile(0.99),
          count: times.count,
          players: room.clients.length,
        };
      }
      case 'reset':
        for (const room of rooms) room.tickTimes.clear();
        return {};
      case 'close':
        await server.close();
        setTimeout(() => process.exit(0), 100);
        return {};
    }
  },
  { url: wsUrl },
);
