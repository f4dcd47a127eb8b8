import type { Body, ErrorCode, Kind, LeaveReason, Message, ProtocolError } from '../protocol/index.js';
import type { ClientEvents } from './client-events.js';

/** What the session connection tells the client it serves. */
export interface ConnectionHooks {
  /** Every message the connection does not handle itself (responses, errors, room traffic). */
  message(message: Message): void;
  /** A DatagramFromServer (every snapshot in TCP mode), as its fields rather than a decoded message. */
  datagram(c: number, p: Uint8Array, t: number): void;
  /** The server no longer has our session (or we moved to another): rooms and pending requests are gone. */
  sessionLost(reason: LeaveReason, code: ErrorCode, message: string): void;
  /** Closed for good: called before the 'closed' event. */
  finished(code: ClientEvents['closed']['code'], message: string): void;
  /** Whether to ask for a direct server link in the hello. */
  wantsServerLink(): boolean;
  /** The welcome arrived: `fresh` when it began a new session (not a resume). */
  welcomed(body: Body<typeof Kind.Welcome>, fresh: boolean): void;
  /**
   * A sequenced message that was accepted when sent is dropped unsent: the server's frame limit turned
   * out smaller than it (`error` says so). A request among them must fail rather than wait for ever.
   */
  dropped(inner: Uint8Array, error: ProtocolError): void;
  /**
   * A frame from the server could not be read (`error` is emitted too). With a readable request id
   * (`error.rid`) it answered that request, which must fail now rather than wait for ever.
   */
  unreadable?(error: ProtocolError): void;
}
