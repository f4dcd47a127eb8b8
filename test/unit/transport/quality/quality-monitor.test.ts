import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/index.js';
import {
  Channel,
  createSimulatedLinkPair,
  InterarrivalJitter,
  type NetworkConditions,
  type QualityGrade,
  QualityMonitor,
} from '../../../../src/transport/index.js';

/**
 * Two simulated ends with the same conditions each way, both sending `phys` at 30 Hz once connected, run
 * for `seconds`.
 */
function playOver(conditions: NetworkConditions, seconds: number, seed = 7) {
  const clock = new ManualClock(0);
  const [a, b] = createSimulatedLinkPair({ clock, seed, aToB: conditions, bToA: conditions });
  const grades: QualityGrade[] = [];
  a.quality.on('change', ({ grade }) => grades.push(grade));
  // Samples start once the link is up, as they must on an RtcLink (which refuses them before).
  while (a.state === 'connecting' || b.state === 'connecting') clock.advance(1);
  const sample = new Uint8Array(40);
  for (let t = 0; t < seconds * 30; t++) {
    a.send(Channel.phys, sample);
    b.send(Channel.phys, sample);
    clock.advance(1000 / 30);
  }
  return { a, b, clock, grades };
}

describe('QualityMonitor on simulated links', () => {
  it('grades a 40 ms round trip without loss as good', () => {
    const { a } = playOver({ delayMs: 20, jitterMs: 2 }, 30);
    const stats = a.stats();
    expect(stats.grade).toBe('good');
    expect(a.quality.snapshot().rttMs).toBeGreaterThan(35);
    expect(a.quality.snapshot().rttMs).toBeLessThan(45);
    // Not exactly 0: a report can overtake a sample sent just before it, which then counts in the next window.
    expect(stats.lossUp).toBeLessThan(0.01);
    expect(stats.lossDown).toBeLessThan(0.01);
    // 30 samples of 40 bytes a second, and the keepalive: a little over 9.6 kbit/s each way.
    expect(stats.kbpsOut).toBeGreaterThan(9.5);
    expect(stats.kbpsOut).toBeLessThan(11);
    expect(stats.kbpsIn).toBeGreaterThan(9.5);
  });

  it('grades a 150 ms round trip with 3 % loss as fair', () => {
    const { a } = playOver({ delayMs: 75, jitterMs: 5, lossRate: 0.03 }, 40);
    const stats = a.stats();
    expect(stats.grade).toBe('fair');
    expect(stats.lossUp).toBeGreaterThan(0.01);
    expect(stats.lossUp).toBeLessThan(0.06);
    expect(stats.lossDown).toBeGreaterThan(0.01);
    expect(stats.lossDown).toBeLessThan(0.06);
  });

  it('grades 12 % loss on a short path as poor', () => {
    const { a } = playOver({ delayMs: 20, lossRate: 0.12 }, 30);
    expect(a.stats().grade).toBe('poor');
    expect(a.stats().lossDown).toBeGreaterThan(0.08);
  });

  it('grades a 320 ms round trip as poor', () => {
    expect(playOver({ delayMs: 160 }, 20).a.quality.grade).toBe('poor');
  });

  it('grades big jitter as poor even when round trip and loss alone are fair', () => {
    // Each one-way delay uniform in 0..200 ms: mean |D| between two keepalives 2 * 100 / 3 ≈ 67 ms.
    const { a } = playOver({ delayMs: 100, jitterMs: 100 }, 60);
    const quality = a.quality.snapshot();
    expect(quality.jitterMs).toBeGreaterThan(50);
    expect(quality.rttMs).toBeLessThan(250);
    expect(a.quality.grade).toBe('poor');
  });

  it('measures loss per direction: loss only from a to b', () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLinkPair({
      clock,
      seed: 3,
      aToB: { delayMs: 20, lossRate: 0.1 },
      bToA: { delayMs: 20 },
    });
    for (let t = 0; t < 30 * 30; t++) {
      a.send(Channel.phys, new Uint8Array(20));
      b.send(Channel.phys, new Uint8Array(20));
      clock.advance(1000 / 30);
    }
    expect(a.stats().lossUp).toBeGreaterThan(0.06);
    expect(a.stats().lossUp).toBeLessThan(0.14);
    expect(a.stats().lossDown).toBeLessThan(0.01);
    // a hears b's figure a report later, so the two differ by one window's worth at most
    expect(Math.abs(b.stats().lossDown - a.stats().lossUp)).toBeLessThan(0.03);
    expect(b.stats().lossUp).toBeLessThan(0.01);
  });

  it('recovers to good some seconds after the network does, and no sooner', () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLinkPair({ clock, seed: 5, aToB: { delayMs: 20 }, bToA: { delayMs: 20 } });
    const run = (seconds: number) => {
      for (let t = 0; t < seconds * 30; t++) {
        a.send(Channel.phys, new Uint8Array(20));
        b.send(Channel.phys, new Uint8Array(20));
        clock.advance(1000 / 30);
      }
    };
    run(10);
    expect(a.quality.grade).toBe('good');
    a.setConditions({ delayMs: 20, lossRate: 0.3 });
    b.setConditions({ delayMs: 20, lossRate: 0.3 });
    run(6);
    expect(a.quality.grade).toBe('poor');
    a.setConditions({ delayMs: 20 });
    b.setConditions({ delayMs: 20 });
    run(2);
    expect(a.quality.grade).toBe('poor');
    run(60);
    expect(a.quality.grade).toBe('good');
  });
});

describe('QualityMonitor hysteresis', () => {
  it('enters a worse grade at once and leaves it only after conditions stay better for recoverAfterMs', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock, recoverAfterMs: 5_000 });
    monitor.rtt(40);
    expect(monitor.grade).toBe('good');
    for (let i = 0; i < 20; i++) monitor.rtt(300); // smoothed: rises over a few samples
    expect(monitor.grade).toBe('poor');
    const changes: QualityGrade[] = [];
    monitor.on('change', ({ grade }) => changes.push(grade));
    for (let s = 0; s < 30; s++) {
      clock.advance(1_000);
      monitor.rtt(40);
    }
    expect(changes.at(-1)).toBe('good');
    // good within 30 s, but not before 5 s of good numbers
    expect(changes.length).toBeGreaterThan(0);
  });

  it('does not flap when conditions oscillate around a threshold', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock });
    let changes = 0;
    monitor.on('change', () => changes++);
    // Round trips alternate either side of the fair threshold (100 ms) every two seconds for two minutes.
    for (let s = 0; s < 120; s++) {
      clock.advance(1_000);
      monitor.rtt(Math.floor(s / 2) % 2 === 0 ? 70 : 140);
    }
    expect(monitor.grade).toBe('fair');
    expect(changes).toBe(1);
  });

  it('shows the worst grade seen during the better spell when it recovers', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock, recoverAfterMs: 5_000 });
    for (let i = 0; i < 30; i++) monitor.rtt(400);
    expect(monitor.grade).toBe('poor');
    for (let s = 0; s < 20; s++) {
      clock.advance(1_000);
      monitor.rtt(150); // fair numbers: poor -> fair after 5 s, never straight to good
    }
    expect(monitor.grade).toBe('fair');
  });
});

describe('InterarrivalJitter (RFC 3550)', () => {
  it('is zero for a constant transit time, whatever the clocks offset', () => {
    const jitter = new InterarrivalJitter();
    for (let i = 0; i < 50; i++) jitter.add(1_000_000 + i * 20, 5 + i * 20);
    expect(jitter.ms).toBe(0);
  });

  it('follows J += (|D| - J) / 16 on a synthetic arrival series', () => {
    const jitter = new InterarrivalJitter();
    // Packets every 20 ms, transit alternating 30 and 40 ms: |D| = 10 for every packet after the first.
    const n = 40;
    for (let i = 0; i <= n; i++) jitter.add(i * 20, i * 20 + (i % 2 === 0 ? 30 : 40));
    expect(jitter.ms).toBeCloseTo(10 * (1 - (15 / 16) ** n), 9);
  });

  it('matches the RFC 3550 appendix A.8 integer algorithm on a random series', () => {
    const jitter = new InterarrivalJitter();
    let rfc = 0; // A.8 keeps the estimate scaled by 16: jitter += d - ((jitter + 8) >> 4)
    let lastTransit: number | undefined;
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const sentAt = i * 33;
      const arrival = sentAt + 50 + Math.round(random() * 40);
      jitter.add(sentAt, arrival);
      const transit = arrival - sentAt;
      if (lastTransit !== undefined) rfc += Math.abs(transit - lastTransit) - ((rfc + 8) >> 4);
      lastTransit = transit;
    }
    expect(Math.abs(jitter.ms - rfc / 16)).toBeLessThan(1);
  });
});

describe('QualityMonitor on a path that reorders but loses nothing', () => {
  /*
   * A report counts as missing every datagram sent before it that has not arrived yet: on a path whose
   * delay varies by more than the gap between datagrams, some sent just before a report arrive after it.
   * How many varies from report to report, so one window's figure could read several per cent of loss
   * where nothing was lost (the grade then went fair or poor for its 5 s of hysteresis).
   */
  it('reads no loss, and keeps the grade good, whatever arrives after its report', () => {
    const clock = new ManualClock(0);
    const conditions = { delayMs: 40, jitterMs: 15 };
    const [a, b] = createSimulatedLinkPair({ clock, seed: 11, aToB: conditions, bToA: conditions });
    const grades: QualityGrade[] = [];
    a.quality.on('change', ({ grade }) => grades.push(grade));
    b.quality.on('change', ({ grade }) => grades.push(grade));
    while (a.state === 'connecting' || b.state === 'connecting') clock.advance(1);
    const sample = new Uint8Array(40);
    let worst = 0;
    // 80 samples a second each way for 60 s, the figures read every 100 ms.
    for (let t = 0; t < 60 * 80; t++) {
      a.send(Channel.phys, sample);
      b.send(Channel.phys, sample);
      clock.advance(1000 / 80);
      if (t % 8 === 0) {
        for (const end of [a, b]) worst = Math.max(worst, end.stats().lossUp || 0, end.stats().lossDown || 0);
      }
    }
    expect(worst).toBeLessThan(0.02);
    expect(grades).toEqual([]);
  });
});

describe('QualityMonitor loss from sequence gaps', () => {
  it('counts the far side datagrams we missed between its reports', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock, lossMinDatagrams: 100 });
    let peerSent = 0;
    for (let report = 0; report < 10; report++) {
      for (let i = 0; i < 50; i++) {
        peerSent++;
        if (peerSent % 20 !== 0) monitor.received(10, true); // every 20th lost: 5 %
      }
      monitor.peerReport(peerSent, 0.25);
    }
    expect(monitor.snapshot().lossDown).toBeCloseTo(0.05, 5);
    expect(monitor.snapshot().lossUp).toBe(0.25);
    expect(monitor.grade).toBe('poor');
  });

  it('counts a burst lost within one report interval, one report later, on a busy link too', () => {
    // 200 datagrams between reports (more than lossMinDatagrams): a window still spans two intervals,
    // so the burst is in the windows ending at both reports the figure takes the smaller of.
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock, lossMinDatagrams: 100 });
    let peerSent = 0;
    const figures: number[] = [];
    for (let report = 0; report < 8; report++) {
      for (let i = 0; i < 200; i++) {
        peerSent++;
        if (report !== 4 || i >= 20) monitor.received(10, true); // 20 lost in the fifth interval
      }
      clock.advance(1_000);
      monitor.peerReport(peerSent, 0);
      figures.push(monitor.snapshot().lossDown);
    }
    expect(figures.slice(2, 5)).toEqual([0, 0, 0]);
    expect(figures[5]).toBeCloseTo(20 / 400, 5);
    expect(figures[6]).toBe(0);
  });

  it('does not count what went missing across a cut its owner excused (a reconnect), once in 30 s', () => {
    /**
     * Five clean seconds of 50 datagrams a second, then `cuts` seconds each ending in a cut that lost its
     * last 10 (the socket under the link died with them; the session resumed on a new one), each
     * excused by the link's owner when `excuse`. The loss read after one more clean second (a loss
     * shows one report after it: see LossWindow).
     */
    const lossAfterCuts = (cuts: number, excuse: boolean) => {
      const clock = new ManualClock(0);
      const monitor = new QualityMonitor({ clock, lossMinDatagrams: 100 });
      let peerSent = 0;
      for (let second = 0; second < 5 + cuts + 1; second++) {
        const lost = second >= 5 && second < 5 + cuts ? 10 : 0;
        for (let i = 0; i < 50; i++) {
          peerSent++;
          if (i < 50 - lost) monitor.received(10, true);
        }
        clock.advance(1_000);
        if (lost > 0 && excuse) monitor.excuseOutage();
        monitor.peerReport(peerSent, 0);
      }
      return monitor.snapshot().lossDown;
    };
    expect(lossAfterCuts(1, false)).toBeGreaterThan(0.02); // 10 of the last 100
    expect(lossAfterCuts(1, true)).toBe(0);
    // A second cut within 30 s is what the path is like: counted.
    expect(lossAfterCuts(2, true)).toBeGreaterThan(0.02);
  });

  it('says nothing about loss until enough datagrams went by', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock, lossMinDatagrams: 100 });
    monitor.peerReport(1, Number.NaN);
    monitor.peerReport(3, Number.NaN); // one keepalive of two lost: too few to call it 50 %
    expect(monitor.snapshot().lossDown).toBeNaN();
    expect(monitor.grade).toBe('good');
  });
});

describe('QualityMonitor through silences and outages', () => {
  /** Two simulated ends, 40 ms round trip, both sending `phys` at 30 Hz; `run` advances by seconds. */
  function pair(seed = 11) {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLinkPair({ clock, seed, aToB: { delayMs: 20 }, bToA: { delayMs: 20 } });
    const sample = new Uint8Array(40);
    const run = (seconds: number, each?: () => void) => {
      for (let t = 0; t < seconds * 30; t++) {
        a.send(Channel.phys, sample);
        b.send(Channel.phys, sample);
        clock.advance(1000 / 30);
        each?.();
      }
    };
    const outage = (down: boolean) => {
      for (const end of [a, b]) end.setConditions(down ? { delayMs: 20, lossRate: 1 } : { delayMs: 20 });
    };
    return { a, run, outage };
  }

  it('grades a busy link that went silent poor within a second or so, and says how long it has been', () => {
    const { a, run, outage } = pair();
    run(10);
    expect(a.quality.grade).toBe('good');
    expect(a.quality.snapshot().silent).toBe(false);
    outage(true);
    run(0.5);
    expect(a.quality.grade).toBe('good'); // a hitch, not a silence yet
    expect(a.quality.snapshot().silent).toBe(false);
    run(1.5); // silent from 1 s; graded at the next keepalive, at most a second later
    expect(a.quality.grade).toBe('poor');
    expect(a.quality.snapshot()).toMatchObject({ silent: true, measuredGrade: 'poor' });
    run(6);
    expect(a.quality.snapshot().silentMs).toBeGreaterThan(7_000);
  });

  it('does not take a keepalive lost on an idle link for a silence', () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLinkPair({ clock, seed: 4, aToB: { delayMs: 20 }, bToA: { delayMs: 20 } });
    // No traffic but the keepalive (one a second each way); one period's keepalives lost, 2 s in all.
    clock.advance(20_000);
    for (const end of [a, b]) end.setConditions({ delayMs: 20, lossRate: 1 });
    const seen: boolean[] = [];
    for (let t = 0; t < 20; t++) {
      clock.advance(100);
      seen.push(a.quality.snapshot().silent);
    }
    expect(seen.some(Boolean)).toBe(false);
    clock.advance(2_000);
    expect(a.quality.snapshot().silent).toBe(true);
  });

  /**
   * A monitor fed arrivals at the given times (ms), sampled (and re-graded, as the keepalive's tick does)
   * every 10 ms up to `until`: when it read silent, and the grades it showed.
   */
  function feed(arrivals: readonly number[], until: number) {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock });
    const silences: number[] = [];
    const grades = new Set<QualityGrade>();
    let next = 0;
    for (let now = 0; now <= until; now += 10) {
      while (next < arrivals.length && (arrivals[next] as number) <= now) {
        clock.advance((arrivals[next] as number) - clock.now());
        monitor.received(40, false);
        next++;
      }
      clock.advance(now - clock.now());
      monitor.evaluate();
      if (monitor.snapshot().silent) silences.push(now);
      grades.add(monitor.grade);
    }
    return { silences, grades: [...grades] };
  }

  /** One keepalive beat a second from `from` for `seconds`, each a few ms early or late (the path's jitter). */
  function beats(from: number, seconds: number): number[] {
    return Array.from({ length: seconds }, (_, i) => from + (i + 1) * 1_000 + (i % 2 === 0 ? 8 : -8));
  }

  it('does not take the beats of a link whose traffic stopped for silences', () => {
    // Ten seconds of 30 Hz traffic, then the player goes back to the lobby (or only watches): the
    // keepalive's one beat a second goes on, some a little late.
    const busy = Array.from({ length: 300 }, (_, i) => (i * 1000) / 30);
    const last = busy[busy.length - 1] as number;
    expect(feed([...busy, ...beats(last, 10)], last + 10_500)).toEqual({ silences: [], grades: ['good'] });
  });

  it('does not take the beats of an idle link for silences from its first seconds on', () => {
    // A lobby player: a few messages close together as it comes in, then beats only.
    expect(feed([5, 10, 15, 20, ...beats(20, 10)], 10_500)).toEqual({ silences: [], grades: ['good'] });
  });

  it('still takes a busy link that stops altogether, beats too, for silent within 1.25 s', () => {
    const busy = Array.from({ length: 300 }, (_, i) => (i * 1000) / 30);
    const last = busy[busy.length - 1] as number;
    const { silences } = feed(busy, last + 3_000);
    expect(silences[0]).toBeGreaterThanOrEqual(last + 1_000);
    expect(silences[0]).toBeLessThanOrEqual(last + 1_260);
  });

  it('an outage its owner saw reads poor and silent at once, on a monitor that heard nothing too', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock });
    const grades: QualityGrade[] = [];
    monitor.on('change', ({ grade }) => grades.push(grade));
    expect(monitor.snapshot()).toMatchObject({ grade: 'good', silent: false });
    monitor.outage();
    expect(grades).toEqual(['poor']);
    expect(monitor.snapshot()).toMatchObject({ grade: 'poor', measuredGrade: 'poor', silent: true });
    clock.advance(10_000);
    monitor.evaluate();
    expect(monitor.snapshot()).toMatchObject({ grade: 'poor', silent: true });
    // Heard again (a beat a second): the figures call for good at once; the grade shows it after 5 s.
    monitor.received(27, true);
    expect(monitor.snapshot()).toMatchObject({ grade: 'poor', measuredGrade: 'good', silent: false });
    for (let second = 0; second < 5; second++) {
      clock.advance(1_000);
      monitor.received(27, true);
      monitor.evaluate();
    }
    expect(grades).toEqual(['poor', 'good']);
  });

  it('refuses a keepalive period that is not a positive number of ms', () => {
    for (const beatEveryMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => new QualityMonitor({ clock: new ManualClock(0), beatEveryMs })).toThrow(/beatEveryMs/);
    }
  });

  it('does not count an outage as the loss of the path once it is back', () => {
    const { a, run, outage } = pair();
    run(10);
    outage(true);
    run(2);
    expect(a.quality.snapshot().measuredGrade).toBe('poor');
    outage(false);
    const measured: string[] = [];
    const worstLoss: number[] = [];
    run(8, () => {
      const quality = a.quality.snapshot();
      // Heard again, the link is not graded for the silence a moment longer (a rate controller reads it).
      if (!quality.silent) measured.push(quality.measuredGrade);
      worstLoss.push(Math.max(quality.lossUp || 0, quality.lossDown || 0));
    });
    expect(measured[0]).toBe('good');
    // What the figures say from the first seconds back: no loss, a good path.
    expect(Math.max(...worstLoss.slice(30))).toBeLessThan(0.02);
    expect(measured.every((grade) => grade === 'good')).toBe(true);
    // Shown good again after the hysteresis (5 s), not after a loss window's worth of reports.
    expect(a.quality.grade).toBe('good');
  });
});

describe('QualityMonitor on a link that keeps dropping out', () => {
  it('counts outages that recur as loss: down 1.1 s in every 2.2 s reads as about half lost', () => {
    const clock = new ManualClock(0);
    const [a, b] = createSimulatedLinkPair({ clock, seed: 9, aToB: { delayMs: 20 }, bToA: { delayMs: 20 } });
    const sample = new Uint8Array(40);
    for (let t = 0; t < 40 * 30; t++) {
      const down = t >= 20 * 30 && (t - 20 * 30) % 66 < 33;
      for (const end of [a, b]) end.setConditions({ delayMs: 20, lossRate: down ? 1 : 0 });
      a.send(Channel.phys, sample);
      b.send(Channel.phys, sample);
      clock.advance(1000 / 30);
    }
    const quality = a.quality.snapshot();
    expect(Math.max(quality.lossUp, quality.lossDown)).toBeGreaterThan(0.3);
    expect(a.quality.grade).toBe('poor');
  });
});

describe('QualityMonitor round trip at keepalive pace (one sample a second)', () => {
  it('shows a round trip that rose from 40 to 300 ms as poor within 5 s', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock });
    for (let s = 0; s < 10; s++) {
      clock.advance(1_000);
      monitor.rtt(40);
    }
    let poorAfter = Number.NaN;
    for (let s = 1; s <= 20 && Number.isNaN(poorAfter); s++) {
      clock.advance(1_000);
      monitor.rtt(300);
      if (monitor.grade === 'poor') poorAfter = s;
    }
    expect(poorAfter).toBeLessThanOrEqual(5);
  });

  it('shows good again within 10 s of the round trip falling back to 40 ms', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock, recoverAfterMs: 5_000 });
    for (let s = 0; s < 20; s++) {
      clock.advance(1_000);
      monitor.rtt(300);
    }
    expect(monitor.grade).toBe('poor');
    let goodAfter = Number.NaN;
    for (let s = 1; s <= 30 && Number.isNaN(goodAfter); s++) {
      clock.advance(1_000);
      monitor.rtt(40);
      if (monitor.grade === 'good') goodAfter = s;
    }
    expect(goodAfter).toBeLessThanOrEqual(10);
  });

  it('is not moved to a worse grade by late beats, one in seven', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock });
    const grades = new Set<string>();
    for (let s = 0; s < 600; s++) {
      clock.advance(1_000);
      monitor.rtt(s % 7 === 3 || s % 13 === 5 ? 360 : 60);
      grades.add(monitor.snapshot().measuredGrade);
    }
    expect([...grades]).toEqual(['good']);
  });

  it('is not moved to a worse grade by a late sample among its first ones', () => {
    // The link's first beats are as likely to be late as any: too few samples to outvote one.
    for (const late of [0, 1, 2]) {
      const clock = new ManualClock(0);
      const monitor = new QualityMonitor({ clock });
      const grades = new Set<string>();
      for (let s = 0; s < 10; s++) {
        clock.advance(1_000);
        monitor.rtt(s === late ? 400 : 40);
        grades.add(monitor.snapshot().measuredGrade);
      }
      expect({ late, grades: [...grades] }).toEqual({ late, grades: ['good'] });
      expect(monitor.snapshot().rttMs).toBeLessThan(60);
    }
  });

  it('shows a slow path as poor from its third sample', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock });
    monitor.rtt(300);
    expect(monitor.snapshot().rttMs).toBe(300); // shown from the first sample
    monitor.rtt(300);
    monitor.rtt(300);
    expect(monitor.grade).toBe('poor');
  });

  it('is not moved to a worse grade by one late sample', () => {
    const clock = new ManualClock(0);
    const monitor = new QualityMonitor({ clock });
    const samples = [40, 40, 40, 40, 40, 400, 40, 40, 40, 40];
    for (const ms of samples) {
      clock.advance(1_000);
      monitor.rtt(ms);
    }
    expect(monitor.grade).toBe('good');
    expect(monitor.snapshot().rttMs).toBeLessThan(60);
  });
});
