import type { NetworkConditions } from 'vehikill-net/transport';

/** A network to play over in the lab: round trip, jitter, loss, and how they split between directions. */
export interface LabConditions {
  /** Base round-trip time (ms). */
  readonly rttMs: number;
  /** Each packet's one-way delay varies uniformly by up to this much either way (ms). */
  readonly jitterMs?: number;
  /** Independent loss per packet, both directions (ignored when `burst` is set). */
  readonly lossRate?: number;
  /** Bursty loss (Gilbert-Elliott), both directions. */
  readonly burst?: NetworkConditions['burst'];
  /** Share of the round trip spent player-to-server (default 0.5; 0.8: a slow uplink). */
  readonly uplinkShare?: number;
}

/** A short label for tables: "150 ms ±20, 5% loss". */
export function describeConditions(conditions: LabConditions): string {
  const parts = [`${conditions.rttMs} ms`];
  if (conditions.jitterMs) parts[0] += ` ±${conditions.jitterMs}`;
  if (conditions.burst)
    parts.push(`bursty loss ${Math.round(averageBurstLoss(conditions.burst) * 1000) / 10}%`);
  else if (conditions.lossRate) parts.push(`${Math.round(conditions.lossRate * 1000) / 10}% loss`);
  if (conditions.uplinkShare !== undefined && conditions.uplinkShare !== 0.5) {
    parts.push(`uplink ${Math.round(conditions.uplinkShare * 100)}% of RTT`);
  }
  return parts.join(', ');
}

/** The two directions' simulated conditions. */
export function directions(conditions: LabConditions): { up: NetworkConditions; down: NetworkConditions } {
  const share = conditions.uplinkShare ?? 0.5;
  const shared: NetworkConditions = {
    jitterMs: conditions.jitterMs ?? 0,
    ...(conditions.burst ? { burst: conditions.burst } : { lossRate: conditions.lossRate ?? 0 }),
  };
  return {
    up: { ...shared, delayMs: conditions.rttMs * share },
    down: { ...shared, delayMs: conditions.rttMs * (1 - share) },
  };
}

/** Long-run loss of a Gilbert-Elliott channel: the bad state's share times its loss, plus the good's. */
export function averageBurstLoss(burst: NonNullable<NetworkConditions['burst']>): number {
  const badShare = burst.goodToBad / (burst.goodToBad + burst.badToGood);
  return badShare * burst.lossInBad + (1 - badShare) * (burst.lossInGood ?? 0);
}
