import { Kind } from '../protocol/index.js';
import type { SendPriority } from './send-scheduler.js';

/**
 * Which queue a message waits in when the WebSocket backs up, from its kind (the first byte of an
 * encoded message). Room messages and server-link datagrams from the server are its snapshots, and
 * from a client its inputs;
 * peer data through the relay comes last. Signaling counts as control: it is small, and it is what
 * moves peer traffic off this congested socket onto a direct path.
 */
export function priorityOf(inner: Uint8Array): SendPriority {
  switch (inner[0]) {
    case Kind.ServerRoomMessage:
    // Behind what the room sent before answering: a reply never overtakes the messages it follows.
    case Kind.RoomReply:
    case Kind.RoomState:
    case Kind.DatagramFromServer:
      return 'snapshot';
    case Kind.ClientRoomMessage:
    case Kind.DatagramToServer:
      return 'input';
    case Kind.DataToPeer:
    case Kind.DataToPeers:
    case Kind.DataFromPeer:
      return 'relay';
    default:
      return 'control';
  }
}
