import { RoomConnection } from '../../src/client/room-connection.js';
import type { Clock } from '../../src/common/index.js';
import { ErrorCode, ProtocolError } from '../../src/protocol/index.js';

/**
 * Room connections of several players in one room, with the server's signaling relay played in
 * process: a signal reaches the peer's RoomConnection a microtask later, in order, as over one
 * WebSocket each. Everything a player's room sends is recorded, and `hold` loses signals on purpose.
 */
export class SignalRooms {
  readonly #rooms = new Map<string, RoomConnection>();
  readonly sent: Array<{ from: string; to: string; signal: unknown }> = [];
  /** Return true to lose a signal on its way (it is still recorded in `sent`). */
  hold: (from: string, to: string, signal: unknown) => boolean = () => false;
  /**
   * Return true to have `room.signal` throw OUTBOX_OVERFLOW, as when the session's outbox is full: the
   * signal is neither sent nor recorded.
   */
  refuse: (from: string, to: string, signal: unknown) => boolean = () => false;

  constructor(
    readonly clock: Clock,
    readonly memberIds: readonly string[],
  ) {}

  room(selfId: string): RoomConnection {
    const existing = this.#rooms.get(selfId);
    if (existing) return existing;
    const room = new RoomConnection(
      {
        room: {
          roomId: 'room1',
          type: 'test',
          private: false,
          clients: this.memberIds.length,
          maxClients: 16,
          metadata: {},
        },
        members: this.memberIds.map((playerId) => ({ playerId, name: playerId, away: false })),
      } as ConstructorParameters<typeof RoomConnection>[0],
      {
        clock: this.clock,
        selfId,
        iceServers: () => [],
        sendRoomMessage() {},
        request: () => Promise.reject(new Error('this fake room answers no requests')),
        endRequests() {},
        answer() {},
        sendSignal: (to, signal) => this.#relay(selfId, to, signal),
        sendToPeer() {},
        sendPhysToPeers() {},
        leaveRoom: async () => {},
      },
    );
    this.#rooms.set(selfId, room);
    return room;
  }

  /** What `from` sent `to`, oldest first. */
  between(from: string, to: string): unknown[] {
    return this.sent.filter((s) => s.from === from && s.to === to).map((s) => s.signal);
  }

  #relay(from: string, to: string, signal: unknown): void {
    if (this.refuse(from, to, signal)) {
      throw new ProtocolError(ErrorCode.OUTBOX_OVERFLOW, 'too many messages waiting for the server');
    }
    this.sent.push({ from, to, signal });
    if (this.hold(from, to, signal)) return;
    const copy = structuredClone(signal);
    queueMicrotask(() => {
      const room = this.#rooms.get(to);
      if (room && !room.left) room.receiveSignal(from, copy);
    });
  }
}

/** Runs every microtask queued by now, and those they queue, a good many levels deep. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 200; i++) await Promise.resolve();
}
