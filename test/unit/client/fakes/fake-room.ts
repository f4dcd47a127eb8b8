import type { LinkEpochs } from '../../../../src/client/mesh/link-epochs.js';
import { RoomConnection } from '../../../../src/client/room-connection.js';
import type { RoomTransport } from '../../../../src/client/room-transport.js';
import type { ManualClock } from '../../../../src/common/index.js';
import type { Member } from '../../../../src/protocol/index.js';

export function member(playerId: string, away = false): Member {
  return { playerId, name: playerId, away };
}

export interface FakeRoomOptions {
  /** What the room's `iceServers()` returns, read at each call (the client's current credentials). */
  iceServers?: () => RTCIceServer[];
  peerPrivacy?: 'relay-only';
  /** Whether the session's socket is up (what the client's transport says); default: always. */
  connected?: () => boolean;
  /** The client's link epochs, for a room joined again by the same client; default: the room's own. */
  linkEpochs?: LinkEpochs;
}

export interface FakeRoom {
  room: RoomConnection;
  /** Every signal this side sent, in order. */
  signals: Array<{ to: string; signal: unknown }>;
  /** Signals are delivered to these rooms (by player id), a microtask later, as the server would. */
  peers: Map<string, RoomConnection>;
  /** Everything sent to peers through the server, in order (dropped there). */
  relayed: Array<{ to: string; channel: number; bytes: Uint8Array; messageClass: string }>;
}

/**
 * A RoomConnection as the client builds one, on a transport that goes nowhere: signals are recorded
 * (and handed to rooms registered in `peers`), relayed data is dropped.
 */
export function fakeRoom(
  selfId: string,
  memberIds: string[],
  clock: ManualClock,
  options: FakeRoomOptions = {},
): FakeRoom {
  const signals: FakeRoom['signals'] = [];
  const peers = new Map<string, RoomConnection>();
  const relayed: FakeRoom['relayed'] = [];
  const transport: RoomTransport = {
    clock,
    selfId,
    iceServers: options.iceServers ?? (() => []),
    sendRoomMessage() {},
    request: () => Promise.reject(new Error('this fake room answers no requests')),
    endRequests() {},
    answer() {},
    sendSignal(to, signal) {
      signals.push({ to, signal });
      const peer = peers.get(to);
      if (peer) queueMicrotask(() => peer.receiveSignal(selfId, structuredClone(signal)));
    },
    sendToPeer(to, channel, bytes, messageClass) {
      relayed.push({ to, channel, bytes, messageClass });
    },
    sendPhysToPeers() {},
    leaveRoom: async () => {},
    ...(options.connected ? { connected: options.connected } : {}),
    ...(options.linkEpochs ? { linkEpochs: options.linkEpochs } : {}),
  };
  const room = new RoomConnection(
    {
      room: {
        roomId: 'room1',
        type: 'test',
        private: false,
        clients: memberIds.length,
        maxClients: 16,
        metadata: {},
        nodeId: 'node',
      },
      members: memberIds.map((id) => member(id)),
      ...(options.peerPrivacy ? { peerPrivacy: options.peerPrivacy } : {}),
    },
    transport,
  );
  return { room, signals, peers, relayed };
}
