import type { Clock } from '../common/index.js';
import type { ErrorCode, LeaveReason, Member, MessageClass } from '../protocol/index.js';
import type { Conditioner } from '../transport/index.js';
import type { LinkEpochs } from './mesh/link-epochs.js';
import type { RequestOutcome } from './room-answers.js';
import type { RoomConnection } from './room-connection.js';
import type { RoomRequestOptions } from './room-requests.js';

export interface RoomSendOptions {
  /** Default 'reliable'. 'volatile' messages are dropped while disconnected. */
  class?: MessageClass;
  /** For 'expiring': ms after which the message is dropped rather than sent. Default 250. */
  ttlMs?: number;
}

export interface RoomEvents {
  'member-join': Member;
  'member-leave': { playerId: string; reason: LeaveReason };
  'member-away': { playerId: string };
  'member-back': { playerId: string };
  /**
   * Full room state again, after a resync (messages to us were lost while away). The member list it
   * brings is diffed against ours first: `member-leave` (reason `OUTBOX_OVERFLOW`: the real one was
   * among the lost messages) for each player gone, `member-join` for each newcomer, `member-away` or
   * `member-back` for each whose presence changed, all before this event, so whoever follows members
   * by those events (the peer mesh, voice) stays in step.
   */
  state: { state: unknown; members: Member[] };
  /** We are out of this room: by our own leave, a kick, disposal, shutdown or an expired session. */
  leave: { reason: LeaveReason; message: string };
  /** Signaling from a peer in this room (the server stamped `from`). */
  signal: { from: string; signal: unknown };
}

/** What the room needs from the client connection that carries it. */
export interface RoomTransport {
  readonly clock: Clock;
  /** Our own player id in this room's session. */
  readonly selfId: string;
  /** STUN/TURN servers from the server's welcome, the mesh's default. */
  iceServers(): RTCIceServer[];
  sendRoomMessage(type: string, data: unknown, options: RoomSendOptions): void;
  /** Sends a request: the promise of its reply (see RoomRequests.ask). */
  request(type: string, data: unknown, options: RoomRequestOptions | undefined): Promise<unknown>;
  /** The room is left: its requests still waiting reject with `code`, `why` said. */
  endRequests(code: ErrorCode, why: string): void;
  /** Answers the room's request `q` (see RoomAnswers.answer). */
  answer(q: number, outcome: RequestOutcome): void;
  sendSignal(to: string, signal: unknown): void;
  sendToPeer(
    to: string,
    channel: number,
    bytes: Uint8Array,
    messageClass: MessageClass,
    ttlMs?: number,
  ): void;
  /**
   * One volatile `phys` sample for several members through the server: one DataToPeers where the server
   * takes it, one DataToPeer each where it does not (an older server).
   */
  sendPhysToPeers(to: string[], bytes: Uint8Array): void;
  leaveRoom(room: RoomConnection): Promise<void>;
  /** The developer's network conditioner, applied to peer links too. */
  readonly conditioner?: Conditioner;
  /** The client's epochs of its peer links' dispatch streams, across rooms. Default: the room's own. */
  readonly linkEpochs?: LinkEpochs;
  /**
   * Whether the session's socket is up: while it is not, what is sent through the server waits in the
   * session's outbox for the resume. Default: always.
   */
  connected?(): boolean;
  /**
   * Whether the client is closing (`close()` writing what it held back before it closes): the app has
   * said it is done, so a message no handler takes is dropped without the console's word. Default: never.
   */
  closing?(): boolean;
}
