import { describe, expect, it } from 'vitest';
import {
  REFUSAL_REPORT_MS,
  type RefusalReport,
  RefusalReports,
} from '../../../src/client/mesh/refusal-reports.js';
import { ManualClock } from '../../../src/common/index.js';

function reports() {
  const clock = new ManualClock();
  const heard: RefusalReport<string>[] = [];
  const refusals = new RefusalReports<string>(clock, (report) => heard.push(report));
  return { clock, heard, refusals };
}

describe("a peer's refused messages", () => {
  it('are reported at once, then at most once a window with how many came, while a flood goes on', () => {
    const { clock, heard, refusals } = reports();
    // 40,000 a second for one second, one every 25 µs.
    for (let i = 0; i < 40_000; i++) {
      refusals.refused('p', 'rate');
      clock.advance(0.025);
    }
    clock.advance(2 * REFUSAL_REPORT_MS);
    expect(heard[0]).toEqual({ from: 'p', reason: 'rate', count: 1 });
    expect(heard.length).toBeLessThanOrEqual(1 + 1_000 / REFUSAL_REPORT_MS + 1);
    expect(heard.reduce((sum, report) => sum + report.count, 0)).toBe(40_000);
    // Quiet since: nothing more, and the next refusal is reported at once again.
    const reported = heard.length;
    clock.advance(10 * REFUSAL_REPORT_MS);
    expect(heard.length).toBe(reported);
    refusals.refused('p', 'rate');
    expect(heard.at(-1)).toEqual({ from: 'p', reason: 'rate', count: 1 });
  });

  it('are counted apart by peer and reason', () => {
    const { clock, heard, refusals } = reports();
    for (const [from, reason] of [
      ['a', 'rate'],
      ['a', 'rate'],
      ['a', 'too-large'],
      ['b', 'rate'],
    ] as const) {
      refusals.refused(from, reason);
    }
    clock.advance(REFUSAL_REPORT_MS);
    expect(heard).toEqual([
      { from: 'a', reason: 'rate', count: 1 },
      { from: 'a', reason: 'too-large', count: 1 },
      { from: 'b', reason: 'rate', count: 1 },
      { from: 'a', reason: 'rate', count: 1 },
    ]);
  });

  it("are reported when the peer goes, and not after the mesh's close", () => {
    const { clock, heard, refusals } = reports();
    for (let i = 0; i < 3; i++) refusals.refused('a', 'rate');
    refusals.forget('a');
    expect(heard).toEqual([
      { from: 'a', reason: 'rate', count: 1 },
      { from: 'a', reason: 'rate', count: 2 },
    ]);
    for (let i = 0; i < 3; i++) refusals.refused('b', 'rate');
    refusals.close();
    clock.advance(10 * REFUSAL_REPORT_MS);
    expect(heard.at(-1)).toEqual({ from: 'b', reason: 'rate', count: 1 });
  });
});
