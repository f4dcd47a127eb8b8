import type { LinkHeartbeat } from './keepalive.js';
import { LinkBase } from './link-events.js';

/**
 * A direct link with a keepalive of its own (the browser's RtcLink, the server's NativeRtcLink): what its
 * heartbeat knows of the peer's silence is what a FailoverLink watches to tell a quiet path (see
 * QuietPathWatch).
 */
export abstract class KeepaliveLinkBase extends LinkBase {
  protected abstract readonly heartbeat: LinkHeartbeat;

  /** When anything last came from the peer on this link (the clock's ms). */
  get lastHeardAt(): number {
    return this.heartbeat.lastHeardAt;
  }

  /** When the peer last said it heard nothing from this end (see LinkHeartbeat.peerUnheardAt). */
  get peerUnheardAt(): number {
    return this.heartbeat.peerUnheardAt;
  }

  /** Asks the peer for an answer at once (see LinkHeartbeat.probe); nothing unless the link is up. */
  probe(): void {
    if (this.state === 'direct') this.heartbeat.probe();
  }
}
