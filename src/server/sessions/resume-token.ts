import { createHash } from 'node:crypto';
import { newResumeToken } from '../ids.js';

/** The SESSION_EXPIRED answer to a resume of a session this process never had. */
const NEVER_HAD =
  'this server never had that session (it began on another server, or before a restart): join again';

/**
 * Where this process's sessions begin: a tag of the node id and the process's boot id. Each resume token
 * starts with it (`<origin>.<256 random bits>`), so that a process asked to resume a session it does not
 * have can say why: the node restarted since (a supervisor brings it back at once, with the same id and
 * secret), or the session began on another node; not that a grace period ran out that never ran.
 * The origin needs no signature: it only picks the wording of a refusal; the random part is the proof.
 */
export class SessionOrigin {
  readonly #node: string;
  readonly #boot: string;

  constructor(nodeId: string, bootId: string) {
    // A hash, not the id: node ids are free-form (any length, dots), and tokens are at most 128 characters.
    this.#node = createHash('sha256').update(nodeId).digest('base64url').slice(0, 8);
    this.#boot = bootId;
  }

  /** A fresh resume token for a session of this process. */
  newToken(): string {
    return `${this.#node}${this.#boot}.${newResumeToken()}`;
  }

  /**
   * Why no session of this process matches `token`, when it is not among the sessions that ended here
   * lately (`EndedSessions`, which says why those ended): the message of the SESSION_EXPIRED answer.
   */
  whyGone(token: string): string {
    const dot = token.indexOf('.');
    const origin = dot < 0 ? undefined : token.slice(0, dot);
    // Made by this process: it ended, longer ago than why is kept (or pushed out by newer ones). Not
    // "grace period over": that is only one way a session ends, and the record that would say is gone.
    if (origin === this.#node + this.#boot) {
      return 'the session ended on this server, too long ago for it to say why: join again';
    }
    if (origin?.startsWith(this.#node)) {
      return 'this server restarted since the session began: join again';
    }
    // Another node; this one under an id it picked at random (no `nodeId` given) before a restart; or a
    // token with no origin, which no process of this version makes (an older server's, or none at all).
    return NEVER_HAD;
  }
}
