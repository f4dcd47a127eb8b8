import type { Channel, DispatchRefusal, FailoverState } from '../../transport/index.js';
import type { RefusalReport } from './refusal-reports.js';

export interface MeshEvents {
  message: { from: string; channel: Channel; bytes: Uint8Array };
  /**
   * A peer's link changed path: 'direct', back to 'relayed' (where it starts), or 'closed': the peer left,
   * or closed its mesh (a fresh link to it then takes the closed one's place at once, for its next mesh,
   * and goes direct once that mesh is heard from).
   */
  'peer-state': { peerId: string; state: FailoverState };
  /**
   * A peer's messages were refused: too large, over its rate, or the peer is muted/blocked; or `dispatch`
   * frames the stream would not take: `malformed` (no frame of the stream, or a number that does not
   * read) or beyond its receive `window` (256 messages or 256 KiB ahead of the next expected one).
   * Reported at most every 250 ms per peer and reason: the first refusal at once (`count` 1), then one
   * report per 250 ms with the `count` since, while they keep coming (a flooding peer is not an event
   * per message).
   */
  rejected: RefusalReport<RejectReason>;
  /**
   * A peer flooded its direct link: the link went to the relay and refuses the direct path for `forMs`
   * (`floodPenaltyMs`), then offers it again.
   */
  'peer-demoted': { peerId: string; reason: 'flood'; forMs: number };
}

export type RejectReason = 'too-large' | 'rate' | 'blocked' | DispatchRefusal;
