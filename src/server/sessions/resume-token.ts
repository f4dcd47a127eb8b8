import { createHash } from 'node:crypto';
import { newResumeToken } from '../ids.js';

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

  /** Why no session of this process matches `token`: the message of the SESSION_EXPIRED answer. */
  whyGone(token: string): string {
    const dot = token.indexOf('.');
    const origin = dot < 0 ? undefined : token.slice(0, dot);
    // Ours, or a token from before origins were written (it cannot tell more): the session really ended.
    if (origin === undefined || origin === this.#node + this.#boot) {
      return 'the session ended (grace period over): join again';
    }
    if (origin.startsWith(this.#node)) return 'this server restarted since the session began: join again';
    // Another node, or this one under an id it picked at random (no `nodeId` given) before a restart.
    return 'this server never had that session (it began on another server, or before a restart): join again';
  }
}
