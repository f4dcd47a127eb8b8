/**
 * Latency compensation in the lab: 8 bots play over seeded simulated links (the real server authority,
 * sync layer and player code, in simulated time) across RTT x jitter x loss, and each run reports what
 * the players experienced against the server's ground truth. Alone:
 * `npm run build && node dist/bench/workloads/netcode-lab.js`.
 */
import { pathToFileURL } from 'node:url';
import { describeConditions, type LabConditions, runNetLab } from '../../game/net/lab/index.js';
import type { Row } from '../results.js';

const BURSTY = { goodToBad: 0.01, badToGood: 0.25, lossInBad: 0.5 } as const;

/** The matrix: RTT 0/50/150/300 with ±20 ms jitter at 0/5/10% loss, bursty loss, a slow uplink. */
export const LAB_MATRIX: readonly LabConditions[] = [
  ...[0, 50, 150, 300].flatMap((rttMs) =>
    [0, 0.05, 0.1].map((lossRate) => ({ rttMs, jitterMs: 20, lossRate })),
  ),
  { rttMs: 150, jitterMs: 20, burst: BURSTY },
  { rttMs: 150, jitterMs: 20, lossRate: 0.05, uplinkShare: 0.8 },
];

/** The anchors' rates (Valve 20/s, Gaffer 30 and 60/s) at the goal's network: 150 ms, ±20 ms, 5% loss. */
const RATE_RUNS = [20, 60].map((snapshotHz) => ({
  snapshotHz,
  conditions: { rttMs: 150, jitterMs: 20, lossRate: 0.05 } as LabConditions,
}));

/**
 * As a Vehikill room runs: each player's rate follows its link (30 Hz down to 10 Hz), so the delay and the
 * shot checks must follow a rate that changes under them.
 */
const ADAPTIVE_RUNS = [0.05, 0.1].map((lossRate) => ({
  snapshotHz: 30,
  adaptiveRates: true,
  conditions: { rttMs: 150, jitterMs: 20, lossRate } as LabConditions,
}));

export function benchNetcodeLab(): Row[] {
  const runs: { snapshotHz: number; conditions: LabConditions; adaptiveRates?: boolean }[] = [
    ...LAB_MATRIX.map((conditions) => ({ snapshotHz: 30, conditions })),
    ...RATE_RUNS,
    ...ADAPTIVE_RUNS,
  ];
  const rows: Row[] = [];
  for (const { conditions, snapshotHz, adaptiveRates = false } of runs) {
    const report = runNetLab({
      conditions,
      snapshotHz,
      adaptiveRates,
      durationMs: 30_000,
      warmupMs: 5_000,
      seed: 7,
    });
    const rate = adaptiveRates ? `adaptive, ${snapshotHz} Hz at most` : `${snapshotHz} Hz`;
    const workload = `netcode lab @${rate}, 8 players: ${describeConditions(conditions)}`;
    const row = (metric: string, value: number, unit: string) =>
      rows.push({ workload, system: 'vehikill-net', metric, value, unit });
    row('correction p50', report.corrections.quantile(0.5), 'units');
    row('correction p99', report.corrections.quantile(0.99), 'units');
    row('correction p99 outside vehicle contact', report.correctionsOutsideContact.quantile(0.99), 'units');
    row('remote position error p50', report.remoteError.quantile(0.5), 'units');
    row('remote position error p99', report.remoteError.quantile(0.99), 'units');
    row('interpolation delay mean', report.interpolationDelayMs.mean, 'ms');
    row('interpolation delay p99', report.interpolationDelayMs.quantile(0.99), 'ms');
    row('frames extrapolated', report.extrapolatedFrameShare * 100, '%');
    row('stall frames (nothing to draw)', report.emptyFrames, 'frames');
    row('input margin p50', report.marginTicks.quantile(0.5), 'ticks');
    row('input margin p1', report.marginTicks.quantile(0.01), 'ticks');
    row('inputs refused (future, rate)', report.rejections.future + report.rejections.rate, 'inputs');
    row('inputs late (server repeated the last)', report.missedInputs, 'inputs');
    row('clock error p99', report.clockErrorMs.quantile(0.99), 'ms');
    const shots = report.shots;
    row(
      'screen hits confirmed by the server',
      shots.claimed === 0 ? 0 : (shots.confirmed / shots.claimed) * 100,
      '%',
    );
    row('desyncs', report.desyncs, 'reports');
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of benchNetcodeLab()) {
    console.log(`| ${row.workload} | ${row.metric} | ${row.value.toFixed(3)} | ${row.unit} |`);
  }
}
