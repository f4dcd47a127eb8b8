import { createHash, createHmac, randomBytes } from 'node:crypto';
import { SessionGoneReason } from '../../protocol/index.js';
import { newResumeToken, sameSecret } from '../ids.js';
import type { SessionGone } from './ended-sessions.js';

/** The SESSION_EXPIRED answer to a resume of a session this process never had. */
const NEVER_HAD: SessionGone = {
  reason: SessionGoneReason.unknown,
  message: 'this server never had that session (it began on another server, or before a restart): join again',
};
/** The answer to a token of this process that it never gave to the player named with it. */
const NEVER_GAVE: SessionGone = {
  reason: SessionGoneReason.unknown,
  message:
    "this server never gave that resume token to that player (it is made up, altered, or another player's): join again",
};
/** The answer to a token this process gave to that player, whose session ended longer ago than why is kept. */
const ENDED_LONG_AGO: SessionGone = {
  reason: SessionGoneReason.ended,
  message: 'the session ended on this server, too long ago for it to say why: join again',
};
/** The answer to a token an earlier process of this node gave: the session died with that process. */
const RESTARTED: SessionGone = {
  reason: SessionGoneReason.restarted,
  message: 'this server restarted since the session began: join again',
};

/**
 * Where this process's sessions begin: a tag of the node id and the process's boot id. Each resume token
 * is `<origin>.<256 random bits>.<seal>`, so that a process asked to resume a session it does not have can
 * say why: the node restarted since (a supervisor brings it back at once, with the same id and secret),
 * the session began on another node, or the token was never one of its sessions'; not that a grace period
 * ran out that never ran. The seal, a keyed hash of the player id and the random part under a key only
 * this process holds, lets it tell a token it gave to that player, whose session ended longer ago than
 * why is kept, from one it never gave (made up, altered, another player's) without remembering every
 * session it ever had. Origin and seal only pick the wording of a refusal; the random part is the proof.
 */
export class SessionOrigin {
  readonly #node: string;
  readonly #boot: string;
  /** Never leaves the process: a new process has a new boot id, so it never checks an old seal. */
  readonly #sealKey = randomBytes(32);

  constructor(nodeId: string, bootId: string) {
    // A hash, not the id: node ids are free-form (any length, dots), and tokens are at most 128 characters.
    this.#node = createHash('sha256').update(nodeId).digest('base64url').slice(0, 8);
    this.#boot = bootId;
  }

  /** A fresh resume token for the session of `playerId`, a session of this process. */
  newToken(playerId: string): string {
    const proof = newResumeToken();
    return `${this.#node}${this.#boot}.${proof}.${this.#seal(playerId, proof)}`;
  }

  /**
   * Why no session of this process matches `token` for `playerId`, when it is not among the sessions that
   * ended here lately (`EndedSessions`, which says why those ended): the reason and message of the
   * SESSION_EXPIRED answer.
   */
  whyGone(playerId: string, token: string): SessionGone {
    const parts = token.split('.');
    const origin = parts.length > 1 ? parts[0] : undefined;
    if (origin === this.#node + this.#boot) {
      // Given to that player here: it ended longer ago than why is kept (or was pushed out by newer ones).
      // Not "grace period over": that is only one way a session ends, and the record that would say is gone.
      const [, proof = '', seal = ''] = parts;
      return parts.length === 3 && sameSecret(seal, this.#seal(playerId, proof))
        ? ENDED_LONG_AGO
        : NEVER_GAVE;
    }
    if (origin?.startsWith(this.#node)) return RESTARTED;
    // Another node; this one under an id it picked at random (no `nodeId` given) before a restart; or a
    // token with no origin, which no process of this version makes (an older server's, or none at all).
    return NEVER_HAD;
  }

  /** 128 bits of HMAC-SHA256: enough that no one without the key makes one that passes. */
  #seal(playerId: string, proof: string): string {
    return createHmac('sha256', this.#sealKey)
      .update(`${playerId}.${proof}`)
      .digest('base64url')
      .slice(0, 22);
  }
}
