import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import { StallCreditedBucket } from '../connection/stall-credited-bucket.js';
import { ByPair } from './by-pair.js';

/** A sender is told its relayed data was refused at most this often per target. */
const TELL_EVERY_MS = 1_000;

/**
 * Relayed data over the sender's budget towards its target: told (RATE_LIMITED), not charged as a fault.
 * An honest mesh can go over it (a backlog of `dispatch` sent again after a direct link died, in rounds
 * of up to 64 frames of 16 KiB), and its sender cannot see the budget; faults would end its session. The
 * refused data is simply not relayed: `dispatch` goes again when no ack comes, `event` and the links'
 * control may be lost anyway. A flood gains nothing, since nothing over the budget reaches the target.
 */
export class RelayRefused extends ProtocolError {
  /**
   * `to`: the target, named so that a sender relaying to several players can tell which one is too much
   * (each is told at most once a second); the limits, so that whoever reads it knows what to raise.
   */
  constructor(to: string, limits: RelayLimits) {
    const burst = limits.relayBytesBurst.toLocaleString('en-US');
    const perSecond = limits.relayBytesPerSecond.toLocaleString('en-US');
    super(
      ErrorCode.RATE_LIMITED,
      `too much relayed data to player ${to}, over ${burst} bytes at once or ${perSecond} a second ` +
        "(the server's relayBytesBurst and relayBytesPerSecond): some was not relayed (reliable data goes again)",
    );
  }
}

interface PairBudget {
  readonly bytes: StallCreditedBucket;
  /** When the sender was last told of a refusal towards this target (-Infinity: never). */
  toldAt: number;
}

/** How much relayed peer data one member may push at another (see GameServerOptions). */
export interface RelayLimits {
  /** Bytes of relayed data (as relayed) one member may send another in a burst. */
  relayBytesBurst: number;
  /** Bytes of relayed data per second one member may sustain towards another. */
  relayBytesPerSecond: number;
}

/**
 * The relay budget of each member towards each other member: a byte token bucket per pair. Relayed
 * `event` and `dispatch` data go into the target's send queue as expiring and reliable messages, which
 * the queue may not drop, and the connection's own rate lets a member send 240 of up to 16 KiB at once
 * and 120 a second after: through the relay alone that filled a slow target's 1 MiB send queue and cut
 * its socket off. Per pair rather than per sender, as for signals (SignalBudgets): on the relay path a
 * player's game traffic goes to every other member, and what must be bounded is what one member can
 * push at one target, not how many targets it has.
 */
export class RelayBudgets extends ByPair<PairBudget> {
  readonly #limits: RelayLimits;

  /**
   * A member's budgets, both ways, are kept after they leave until they have refilled and the sender may
   * be told again (`left`, `seated`: see ByPair): by then a pair made afresh on a rejoin is no better.
   */
  constructor(limits: RelayLimits) {
    const refillMs = (1_000 * limits.relayBytesBurst) / limits.relayBytesPerSecond;
    super(Math.max(refillMs, TELL_EVERY_MS));
    this.#limits = limits;
  }

  /**
   * Takes `bytes` from the budget of `from` towards `to`: 'relay' when within it; over it the data must
   * not go, and 'tell' says to tell the sender (once a second per target at most), 'drop' not to.
   * `stalledMs`: the server's loop stalls so far, which the budget does not hold against the sender (see
   * `StallCreditedBucket`).
   */
  admit(from: string, to: string, now: number, bytes: number, stalledMs: number): 'relay' | 'tell' | 'drop' {
    const budget = this.get(from, to, () => ({
      bytes: new StallCreditedBucket(
        this.#limits.relayBytesBurst,
        this.#limits.relayBytesPerSecond,
        now,
        stalledMs,
      ),
      toldAt: Number.NEGATIVE_INFINITY,
    }));
    if (budget.bytes.take(now, stalledMs, bytes)) return 'relay';
    if (now - budget.toldAt < TELL_EVERY_MS) return 'drop';
    budget.toldAt = now;
    return 'tell';
  }
}
