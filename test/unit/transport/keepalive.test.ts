import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import {
  BEAT,
  encodeBeat,
  encodePing,
  encodeReport,
  LinkHeartbeat,
  PONG,
  readControl,
} from '../../../src/transport/keepalive.js';
import { QualityMonitor } from '../../../src/transport/quality/quality-monitor.js';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

interface End {
  heartbeat: LinkHeartbeat;
  quality: QualityMonitor;
  /** Frames this end sent, by their type byte. */
  sent: number[];
  rtts: number[];
  gone: number;
}

/**
 * Two ends on one clock, each frame delivered after `delayMs()` unless `lose()` says otherwise; each end
 * starts its heartbeat `startsAt` ms in (its own phase).
 */
function pair(options: { delayMs: () => number; lose?: () => boolean; startsAt?: [number, number] }) {
  const clock = new ManualClock();
  const ends: End[] = [];
  for (let index = 0; index < 2; index++) {
    // Judged over 30 datagrams: a link with nothing but its keepalive sends one a second.
    const quality = new QualityMonitor({ clock, lossMinDatagrams: 30 });
    const end: End = {
      quality,
      sent: [],
      rtts: [],
      gone: 0,
      heartbeat: new LinkHeartbeat({
        clock,
        quality,
        send: (bytes) => {
          end.sent.push(bytes[0] as number);
          if (options.lose?.()) return;
          clock.setTimeout(() => ends[1 - index]?.heartbeat.receive(bytes), options.delayMs());
        },
        onGone: () => {
          end.gone++;
        },
        onRtt: (ms) => end.rtts.push(ms),
      }),
    };
    ends.push(end);
    clock.setTimeout(() => end.heartbeat.start(), options.startsAt?.[index] ?? 0);
  }
  return { clock, a: ends[0] as End, b: ends[1] as End };
}

describe('LinkHeartbeat', () => {
  it('sends one beat per period each way and measures the round trip at both ends', () => {
    const { clock, a, b } = pair({ delayMs: () => 40, startsAt: [0, 370] });
    clock.advance(30_000);
    for (const end of [a, b]) {
      expect(end.sent.every((type) => type === BEAT)).toBe(true);
      // One a second, and at most one extra answer at the start.
      expect(end.sent.length).toBeGreaterThanOrEqual(29);
      expect(end.sent.length).toBeLessThanOrEqual(31);
      expect(end.rtts.length).toBeGreaterThanOrEqual(28);
      for (const rtt of end.rtts) expect(rtt).toBeCloseTo(80, 3);
      expect(end.quality.snapshot().rttMs).toBeCloseTo(80, 3);
      expect(end.quality.snapshot().jitterMs).toBe(0);
      expect(end.gone).toBe(0);
    }
  });

  it('answers a first beat at once, so both ends know the round trip within a period of starting', () => {
    const { clock, a, b } = pair({ delayMs: () => 25, startsAt: [0, 600] });
    clock.advance(1_000 + 25 + 25);
    expect(a.rtts).toEqual([50]);
    clock.advance(600);
    expect(b.rtts.length).toBe(1);
    expect(b.rtts[0]).toBeCloseTo(50, 3);
  });

  it('measures jitter and loss both ways from the beats alone', () => {
    const random = seededRandom(3);
    const { clock, a, b } = pair({
      delayMs: () => 30 + random() * 20,
      lose: () => random() < 0.1,
      startsAt: [0, 500],
    });
    clock.advance(300_000);
    for (const end of [a, b]) {
      const quality = end.quality.snapshot();
      expect(quality.jitterMs).toBeGreaterThan(2);
      expect(quality.jitterMs).toBeLessThan(15);
      // Each end counts the gaps in what it got, and hears the other's count of its own.
      expect(quality.lossDown).toBeGreaterThan(0.04);
      expect(quality.lossDown).toBeLessThan(0.2);
      expect(quality.lossUp).toBeGreaterThan(0.04);
      expect(quality.lossUp).toBeLessThan(0.2);
      for (const rtt of end.rtts) {
        expect(rtt).toBeGreaterThanOrEqual(60 - 1e-3);
        expect(rtt).toBeLessThanOrEqual(100 + 1e-3);
      }
    }
  });

  it('keeps its loss figures through beats that arrive after a newer one', () => {
    const random = seededRandom(5);
    let frames = 0;
    // Every seventh frame is held 1.5 s, past the beat after it; 5 % of frames are lost.
    const { clock, a, b } = pair({
      delayMs: () => (++frames % 7 === 0 ? 1_500 : 30),
      lose: () => random() < 0.05,
      startsAt: [0, 500],
    });
    clock.advance(60_000);
    const readings: number[] = [];
    for (let second = 0; second < 240; second++) {
      clock.advance(1_000);
      for (const end of [a, b]) readings.push(end.quality.snapshot().lossDown);
    }
    // A late beat's older count used to read as the peer restarting its count: no figure for 30 beats.
    expect(readings.filter((loss) => Number.isNaN(loss))).toEqual([]);
    expect(Math.max(...readings)).toBeLessThan(0.2);
  });

  it('takes round trips from a new peer whose clock is far behind the old one (another node)', () => {
    const clock = new ManualClock();
    const quality = new QualityMonitor({ clock });
    const rtts: number[] = [];
    const heartbeat = new LinkHeartbeat({
      clock,
      quality,
      send: () => {},
      onGone: () => {},
      onRtt: (ms) => rtts.push(ms),
    });
    heartbeat.start();
    // The old peer's clock read about 50 s; a beat of ours it heard came back with each of its beats.
    const beat = (sentAt: number, count: number) =>
      encodeBeat({ sentAt, echo: clock.now() - 40, heldMs: 0, datagramsSent: count, lossOfYours: 0 });
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000);
      heartbeat.receive(beat(50_000 + clock.now(), i + 1));
    }
    // Moved: the same heartbeat, started again, hears a node whose clock reads 10 s less.
    heartbeat.stop();
    heartbeat.start();
    const before = rtts.length;
    for (let i = 0; i < 5; i++) {
      clock.advance(1_000);
      heartbeat.receive(beat(40_000 + clock.now(), i + 1));
    }
    expect(rtts.length - before).toBe(5);
    // And without a restart (a peer that changed under a running heartbeat): taken as a new peer too.
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      heartbeat.receive(beat(20_000 + clock.now(), i + 1));
    }
    expect(rtts.length - before).toBe(8);
  });

  it('declares a silent peer gone, and a peer that heard nothing is answered at most every 100 ms', () => {
    const clock = new ManualClock();
    const sent: Uint8Array[] = [];
    let gone = 0;
    const heartbeat = new LinkHeartbeat({
      clock,
      send: (bytes) => sent.push(bytes),
      onGone: () => gone++,
      onRtt: () => {},
    });
    heartbeat.start();
    // A flood of beats that never echo ours: one answer per 100 ms, not one each.
    for (let at = 0; at < 1_000; at += 10) {
      clock.advance(10);
      heartbeat.receive(
        encodeBeat({ sentAt: at, echo: Number.NaN, heldMs: 0, datagramsSent: 0, lossOfYours: 0 }),
      );
    }
    expect(sent.length).toBeLessThanOrEqual(11);
    clock.advance(4_000);
    expect(gone).toBe(0);
    clock.advance(1_500);
    expect(gone).toBe(1);
  });

  it('probes: an off-period beat the peer answers at once, so a quiet path is heard from within a round trip', () => {
    const { clock, a, b } = pair({ delayMs: () => 30 });
    clock.advance(2_300);
    const heardBefore = a.heartbeat.lastHeardAt;
    const rttsBefore = a.rtts.length;
    const sentByB = b.sent.length;
    // Part way through a period: no beat of either end is due for another 700 ms.
    const unheardBefore = b.heartbeat.peerUnheardAt;
    const probedAt = clock.now();
    a.heartbeat.probe();
    clock.advance(70);
    // B took the probe as A saying it heard nothing from B, 30 ms after it left.
    expect(unheardBefore).toBeLessThan(probedAt);
    expect(b.heartbeat.peerUnheardAt).toBe(probedAt + 30);
    // B answered at once (30 ms there, 30 back), and A took a round trip from the answer.
    expect(b.sent.length).toBe(sentByB + 1);
    expect(a.heartbeat.lastHeardAt).toBeGreaterThan(heardBefore);
    expect(a.rtts.slice(rttsBefore)).toEqual([60]);
    // A probe of a heartbeat that is not running sends nothing.
    a.heartbeat.stop();
    const sentByA = a.sent.length;
    a.heartbeat.probe();
    expect(a.sent.length).toBe(sentByA);
  });

  it("speaks a peer's ping and report keepalive once it hears it, and takes its round trips and reports", () => {
    const clock = new ManualClock();
    const quality = new QualityMonitor({ clock });
    const sent: Uint8Array[] = [];
    const rtts: number[] = [];
    const heartbeat = new LinkHeartbeat({
      clock,
      quality,
      send: (bytes) => sent.push(bytes),
      onGone: () => {},
      onRtt: (ms) => rtts.push(ms),
    });
    heartbeat.start();
    clock.advance(1_000);
    expect(sent.map((frame) => frame[0])).toEqual([BEAT]);
    heartbeat.receive(encodePing(clock.now() - 20));
    // The ping answered with its pong, and from then on pings and reports.
    expect(sent.at(-1)?.[0]).toBe(PONG);
    expect(readControl(sent.at(-1) as Uint8Array)).toEqual({ type: 'pong', sentAt: clock.now() - 20 });
    clock.advance(1_000);
    const [ping, report] = sent.slice(-2).map((frame) => readControl(frame));
    expect(ping?.type).toBe('ping');
    expect(report).toEqual({ type: 'report', datagramsSent: 4, lossOfYours: Number.NaN });
    clock.advance(35);
    const pong = new Uint8Array(9);
    pong[0] = PONG;
    new DataView(pong.buffer).setFloat64(1, (ping as { sentAt: number }).sentAt);
    heartbeat.receive(pong);
    expect(rtts.at(-1)).toBe(35);
    heartbeat.receive(encodeReport(200, 0.25));
    expect(quality.snapshot().lossUp).toBeCloseTo(0.25, 3);
  });

  it('reads a beat exactly and refuses malformed ones', () => {
    const beat = {
      sentAt: 1_700_000_000_123.25,
      echo: 1_700_000_000_001.5,
      heldMs: 734.5,
      datagramsSent: 77,
      lossOfYours: 0.5,
    };
    const bytes = encodeBeat(beat);
    expect(bytes.length).toBe(27);
    expect(readControl(bytes)).toEqual({ type: 'beat', ...beat, lossOfYours: expect.closeTo(0.5, 4) });
    expect(readControl(encodeBeat({ ...beat, echo: Number.NaN, lossOfYours: Number.NaN }))).toMatchObject({
      echo: Number.NaN,
      lossOfYours: Number.NaN,
    });
    const broken = (change: (view: DataView) => void) => {
      const copy = bytes.slice();
      change(new DataView(copy.buffer));
      return readControl(copy);
    };
    expect(broken((view) => view.setFloat64(1, Number.NaN))).toBeUndefined();
    expect(broken((view) => view.setFloat64(9, Number.POSITIVE_INFINITY))).toBeUndefined();
    expect(broken((view) => view.setFloat32(17, -1))).toBeUndefined();
    expect(broken((view) => view.setFloat32(17, Number.NaN))).toBeUndefined();
    expect(broken((view) => view.setFloat32(17, Number.POSITIVE_INFINITY))).toBeUndefined();
    expect(readControl(bytes.subarray(0, 26))).toBeUndefined();
    expect(readControl(new Uint8Array([...bytes, 0]))).toBeUndefined();
  });
});
