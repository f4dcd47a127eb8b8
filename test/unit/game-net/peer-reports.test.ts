import { describe, expect, it } from 'vitest';
import { PeerReports } from '../../../game/server/peer-reports.js';
import type { Vehicle } from '../../../game/sim/index.js';

/** The server's history: the accused's vehicle 7 sits at (100, 100) at every tick. */
const vehicleAt = (_tick: number, vehicleId: number): Vehicle | undefined =>
  vehicleId === 7
    ? { id: 7, x: 100, y: 100, angle: 0, vx: 0, vy: 0, spin: 0, boost: 0, drifting: false }
    : undefined;
const spawnedAt = () => 0;

function report(reporter: string, tick: number, x: number, y = 100) {
  return { reporter, accused: 'accused', vehicleId: 7, tick, x, y };
}

describe('peer reports of forged phys samples', () => {
  it('one reporter alone never makes a violation, however many far-off samples it reports', () => {
    const reports = new PeerReports<string>();
    const violators: string[] = [];
    for (let tick = 100; tick < 400; tick += 10) {
      reports.add(report('liar', tick, 1, 1));
      violators.push(...reports.judge(tick, tick * 16, vehicleAt, spawnedAt));
    }
    expect(violators).toEqual([]);
    expect(reports.stats.confirmed).toBe(30);
    expect(reports.stats.uncorroborated).toBe(30);
  });

  it('two reporters who saw the same lie make a violation', () => {
    const reports = new PeerReports<string>();
    // The forger claims to be 30 units right of where it is; each reporter names a different sample.
    reports.add(report('a', 100, 130));
    expect(reports.judge(100, 1_000, vehicleAt, spawnedAt)).toEqual([]);
    reports.add(report('b', 112, 130.5));
    expect(reports.judge(112, 1_200, vehicleAt, spawnedAt)).toEqual(['accused']);
  });

  it('reports that do not agree (other places, or far apart in time) make none', () => {
    const reports = new PeerReports<string>();
    reports.add(report('a', 100, 130));
    reports.add(report('b', 100, 60));
    reports.add(report('c', 200, 130));
    expect(reports.judge(200, 1_000, vehicleAt, spawnedAt)).toEqual([]);
    expect(reports.stats.uncorroborated).toBe(3);
  });

  it('a reporter the server refuted more often than it confirmed is no witness', () => {
    const reports = new PeerReports<string>();
    // 'b' reported two samples that were where the server had the car.
    reports.add(report('b', 90, 101));
    reports.add(report('b', 91, 99));
    reports.add(report('a', 100, 130));
    reports.add(report('b', 101, 130));
    expect(reports.judge(101, 1_000, vehicleAt, spawnedAt)).toEqual([]);
    expect(reports.stats.refuted).toBe(2);
    // Past the window its refutations are forgotten.
    reports.add(report('a', 2_000, 130));
    reports.add(report('b', 2_001, 130));
    expect(reports.judge(2_001, 20_000, vehicleAt, spawnedAt)).toEqual(['accused']);
  });

  it('a flood from one reporter does not push out the others', () => {
    const reports = new PeerReports<string>();
    reports.add(report('a', 500, 130));
    for (let index = 0; index < 5_000; index++) reports.add(report('flood', 500, 1, 1));
    reports.add(report('b', 500, 130));
    expect(reports.judge(500, 1_000, vehicleAt, spawnedAt)).toContain('accused');
    expect(reports.stats.dropped).toBe(5_000 - 64);
  });

  it('reporters on one address are one witness, however many sessions agree', () => {
    // 'evil-1' and 'evil-2' are one person's two sessions (one address); 'accused' has its own.
    const addresses: Record<string, string> = { 'evil-1': 'x', 'evil-2': 'x', accused: 'v', honest: 'h' };
    const reports = new PeerReports<string>({ sourceOf: (player) => addresses[player] });
    const violators: string[] = [];
    for (let tick = 100; tick < 400; tick += 10) {
      reports.add(report('evil-1', tick, 5000, 5000));
      reports.add(report('evil-2', tick + 1, 5000, 5000));
      violators.push(...reports.judge(tick + 1, tick * 16, vehicleAt, spawnedAt));
    }
    expect(violators).toEqual([]);
    expect(reports.stats.confirmed).toBe(60);
    expect(reports.stats.uncorroborated).toBe(60);
    // A reporter on another address saying the same makes two witnesses.
    reports.add(report('evil-1', 500, 5000, 5000));
    reports.add(report('honest', 502, 5000, 5000));
    expect(reports.judge(502, 7_000, vehicleAt, spawnedAt)).toEqual(['accused']);
  });

  it("reports from behind the accused's own address corroborate nothing", () => {
    const addresses: Record<string, string> = { a: 'shared', accused: 'shared', b: 'b' };
    const reports = new PeerReports<string>({ sourceOf: (player) => addresses[player] });
    reports.add(report('a', 100, 130));
    reports.add(report('b', 101, 130));
    reports.add(report('a', 110, 130));
    expect(reports.judge(110, 1_000, vehicleAt, spawnedAt)).toEqual([]);
    expect(reports.stats.uncorroborated).toBe(3);
  });

  it("a reporter's own uncorroborated confirmed reports do not make up for its refuted ones", () => {
    const reports = new PeerReports<string>();
    // 'liar' was refuted twice, then named far-off spots no one else saw three times ("confirmed").
    reports.add(report('liar', 90, 101));
    reports.add(report('liar', 91, 99));
    for (const tick of [200, 250, 300]) reports.add(report('liar', tick, 5000, 5000));
    expect(reports.judge(400, 1_000, vehicleAt, spawnedAt)).toEqual([]);
    // Now another reporter says the same once: the liar earns one corroborated report, still fewer than
    // its two refuted ones, so it is no witness, and one witness is not enough.
    reports.add(report('b', 410, 5000, 5000));
    reports.add(report('liar', 411, 5000, 5000));
    expect(reports.judge(411, 1_100, vehicleAt, spawnedAt)).toEqual([]);
  });

  it('forgets a leaver as reporter and as accused', () => {
    const reports = new PeerReports<string>();
    reports.add(report('a', 100, 130));
    expect(reports.judge(100, 1_000, vehicleAt, spawnedAt)).toEqual([]);
    reports.forget('a');
    reports.add(report('b', 101, 130));
    expect(reports.judge(101, 1_000, vehicleAt, spawnedAt)).toEqual([]);
  });

  it('a flood of made-up reports from every seat of one address keeps 64 of them, and honest witnesses still count', () => {
    // 15 sessions of one person (a 16-seat room) each send 12 reports a judge (120 a second, the
    // connection's rate) naming spots far from the car: each is "confirmed", and was kept for the window,
    // every new one compared with all of them (18,000 in 10 s; a judge took 0.5 s: the node stalled).
    const reports = new PeerReports<string>({
      sourceOf: (player) => (player.startsWith('flood') ? 'x' : player),
    });
    let mostHeld = 0;
    for (let round = 0; round < 100; round++) {
      const tick = 1_000 + round * 6;
      for (let session = 0; session < 15; session++) {
        for (let index = 0; index < 12; index++)
          reports.add(report(`flood-${session}`, tick - 5, 1_000 + index * 50, 1_000));
      }
      expect(reports.judge(tick, round * 100, vehicleAt, spawnedAt)).toEqual([]);
      mostHeld = Math.max(mostHeld, reports.held);
    }
    expect(reports.stats.confirmed).toBe(18_000);
    // One address, one accused: what each new report is compared with stays at 64.
    expect(mostHeld).toBe(64);
    // Two honest witnesses on addresses of their own who saw the same lie still make a violation.
    reports.add(report('a', 1_600, 130));
    reports.add(report('b', 1_601, 130.5));
    expect(reports.judge(1_601, 10_100, vehicleAt, spawnedAt)).toEqual(['accused']);
  });
});
