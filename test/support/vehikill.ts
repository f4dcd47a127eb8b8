import type { ClientOptions } from 'vehikill-net/client';
import type { GameServerOptions } from 'vehikill-net/server';
import { WebSocket } from 'ws';
import { botPlayer, drive } from '../../game/bots/bot-player.js';
import { countingWebSocket, type Traffic } from '../../game/bots/counting-web-socket.js';
import { GameSession, type GameSessionOptions } from '../../game/client/game-session.js';
import { ROOM_TYPE } from '../../game/protocol/index.js';
import type { VehikillRoomConfig } from '../../game/server/room-config.js';
import { VehikillRoom, vehikillRoom } from '../../game/server/vehikill-room.js';
import { startServer, type TestServer } from './server.js';

export interface VehikillServer extends TestServer {
  /** Rooms the server made, newest last. */
  readonly rooms: VehikillRoom[];
  /** WebSocket payload bytes of the players made by `botOn`, summed. */
  readonly traffic: Traffic;
}

/**
 * A real game server on a free loopback port with the 'vehikill' room type, in TCP mode (no UDP server
 * links: every player's inputs and snapshots go over its WebSocket); `options` adds to the server's.
 */
export async function startVehikillServer(
  config: VehikillRoomConfig,
  options: GameServerOptions = {},
): Promise<VehikillServer> {
  const rooms: VehikillRoom[] = [];
  const Configured = vehikillRoom(config);
  class Recorded extends Configured {
    override onCreate(options: unknown): void {
      super.onCreate(options);
      rooms.push(this);
    }
  }
  const server = await startServer({ [ROOM_TYPE]: Recorded }, { serverLink: { enabled: false }, ...options });
  return Object.assign(server, { rooms, traffic: { bytesIn: 0, bytesOut: 0 } });
}

/** Client options for a Node player over the WebSocket only. */
export const tcpOnly: Partial<ClientOptions> = { serverLink: 'off' };

/**
 * Client options for a player whose connections come from `localAddress` (one of loopback's 127.0.0.0/8):
 * the server tells players apart by address where one person's many sessions must count once (peer
 * reports' witnesses), and a test's players are otherwise all 127.0.0.1.
 */
export function fromAddress(localAddress: string): Partial<ClientOptions> {
  return {
    WebSocket: class FromAddress extends WebSocket {
      constructor(url: string) {
        super(url, [], { localAddress });
      }
    },
  };
}

/** A bot player (GameSession + BotBrain) on this server, peer mesh through the server's relay. */
export function botOn(server: VehikillServer, name: string, seed: number): GameSession {
  const WebSocket = countingWebSocket(server.traffic);
  return botPlayer({ client: server.client({ name, WebSocket, ...tcpOnly }), seed, mesh: { rtc: false } });
}

/**
 * A test's Vehikill server and the players it seats there (over the WebSocket, no WebRTC mesh), with
 * the timers that drive them: `close()` stops the timers, closes the sessions, then the server.
 */
export class VehikillPlayers {
  server: VehikillServer | undefined;
  readonly #sessions: GameSession[] = [];
  readonly #stops: (() => void)[] = [];

  async start(config: VehikillRoomConfig, options: GameServerOptions = {}): Promise<VehikillServer> {
    this.server ??= await startVehikillServer(config, options);
    return this.server;
  }

  /** A player on the started server; `client` adds to its Client's options (e.g. another `url`). */
  player(
    name: string,
    options: { client?: Partial<ClientOptions>; sampleInput?: GameSessionOptions['sampleInput'] } = {},
  ): GameSession {
    if (!this.server) throw new Error('start the server first');
    const session = new GameSession({
      client: this.server.client({ name, ...tcpOnly, ...options.client }),
      mesh: { rtc: false },
      ...(options.sampleInput ? { sampleInput: options.sampleInput } : {}),
    });
    this.#sessions.push(session);
    return session;
  }

  /** Drives `sessions` as a page's frames would (see `drive`) until the returned stop, or `close()`. */
  drive(sessions: readonly GameSession[]): () => void {
    return this.onClose(drive(sessions));
  }

  /** Runs `stop` (a timer's) at `close()`, before the sessions close; returns it. */
  onClose(stop: () => void): () => void {
    this.#stops.push(stop);
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of this.#stops) stop();
    for (const session of this.#sessions) session.close();
    await this.server?.close();
  }
}

export { VehikillRoom };
