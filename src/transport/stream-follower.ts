/**
 * Whether epoch `a` is newer than `b`, both 8 bits counting up and wrapping: `a` is 1 to 127 ahead of
 * `b`, modulo 256 (serial number arithmetic, RFC 1982). A link's epochs to one peer count up by one per
 * link, and a receiver compares only those of consecutive links (the mesh lets go of a retired epoch once
 * a link takes nothing, and the room once the peer says goodbye while it has no mesh), so they are a few
 * apart, not half the circle.
 */
export function epochNewer(a: number, b: number): boolean {
  const ahead = (a - b) & 0xff;
  return ahead > 0 && ahead < 128;
}

/** What to do with a data frame of some epoch (see `StreamFollower.follow`). */
export type FollowVerdict = 'take' | 'restart' | 'drop';

/**
 * Which of a peer's dispatch streams a receiver takes. Each link numbers its stream from 1 under an epoch
 * of its own; a peer that closed its link and made a new one (a goodbye, a mesh closed and made again)
 * starts a new stream under a newer epoch, while frames of the old one may still be on their way. The
 * receiver follows one stream at a time: frames of it are taken, frames of an older one (or of one a link
 * before this one followed: `retired`) dropped, and the first frame of a newer one makes it start over on
 * that one. Pure bookkeeping, one number or two: a peer that makes up epochs only restarts its own
 * stream to us, one receiver at a time.
 */
export class StreamFollower {
  readonly #retired: number | undefined;
  #followed: number | undefined;

  /** `retired`: the newest of the peer's epochs a link before this one followed; it and older are dropped. */
  constructor(retired?: number) {
    this.#retired = retired;
  }

  /** The epoch of the stream taken now; undefined before any frame was taken. */
  get followed(): number | undefined {
    return this.#followed;
  }

  /**
   * `take`: a frame of the stream followed (or of the first one seen); `restart`: of a newer stream, which
   * is followed from now on (the receiver starts over); `drop`: of an older or retired one.
   */
  follow(epoch: number): FollowVerdict {
    const followed = this.#followed;
    if (epoch === followed) return 'take';
    if (this.#retired !== undefined && !epochNewer(epoch, this.#retired)) return 'drop';
    if (followed !== undefined && !epochNewer(epoch, followed)) return 'drop';
    this.#followed = epoch;
    return followed === undefined ? 'take' : 'restart';
  }
}
