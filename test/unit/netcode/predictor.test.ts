import { ErrorSmoother, Predictor } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/transport/simulated/seeded-random.js';

/** A toy 2-D vehicle: deterministic, with drag, so replays must match bit for bit. */
interface Car {
  x: number;
  y: number;
  vx: number;
  vy: number;
}
interface Drive {
  ax: number;
  ay: number;
}

const DT = 1 / 60;
const step = (car: Car, input: Drive) => {
  car.vx = (car.vx + input.ax * DT) * 0.99;
  car.vy = (car.vy + input.ay * DT) * 0.99;
  car.x += car.vx * DT;
  car.y += car.vy * DT;
};
const clone = (car: Car): Car => ({ ...car });
const distance = (a: Car, b: Car) => Math.hypot(a.x - b.x, a.y - b.y);
const origin = (): Car => ({ x: 0, y: 0, vx: 0, vy: 0 });

const newPredictor = () => new Predictor<Car, Drive>({ initial: origin(), step, clone, distance });
const newSmoother = (snapDistance = 4) =>
  new ErrorSmoother<Car>({
    difference: (seen, corrected) => [seen.x - corrected.x, seen.y - corrected.y],
    apply: (car, offset) => ({ ...car, x: car.x + (offset[0] ?? 0), y: car.y + (offset[1] ?? 0) }),
    snapDistance,
  });

/**
 * The server simulates the same car with the client's inputs; its state for tick T reaches the client
 * `latencyTicks` later. `push(tick, car)` lets the server do something the client could not predict.
 */
function run(options: { ticks: number; latencyTicks: number; push?: (tick: number, car: Car) => void }) {
  const random = seededRandom(3);
  const predictor = newPredictor();
  const server = origin();
  const serverStates: Car[] = [];
  const inputs: Drive[] = [];
  const corrections: { tick: number; error: number; previous: Car; current: Car }[] = [];
  for (let tick = 0; tick < options.ticks; tick++) {
    const input = { ax: random() * 20 - 10, ay: random() * 20 - 10 };
    inputs.push(input);
    predictor.predict(tick, input);
    step(server, input);
    options.push?.(tick, server);
    serverStates.push(clone(server));
    const seen = tick - options.latencyTicks;
    if (seen >= 0 && seen % 3 === 0) {
      const correction = predictor.reconcile(seen, serverStates[seen]!);
      expect(correction.complete).toBe(true);
      expect(correction.replayed).toBe(options.latencyTicks);
      corrections.push({
        tick,
        error: correction.error,
        previous: correction.previous,
        current: clone(predictor.state),
      });
    }
  }
  return { predictor, corrections, server };
}

describe('Predictor', () => {
  it('sees zero correction for an honest client with no loss', () => {
    const { corrections, predictor, server } = run({ ticks: 600, latencyTicks: 6 });
    expect(corrections.length).toBeGreaterThan(150);
    expect(corrections.every((correction) => correction.error === 0)).toBe(true);
    expect(predictor.state).toEqual(server);
    expect(predictor.pending).toBeLessThanOrEqual(8);
  });

  it('corrects a push the server applied, replaying the inputs after it', () => {
    const { corrections, predictor, server } = run({
      ticks: 300,
      latencyTicks: 6,
      push: (tick, car) => {
        if (tick === 100) car.x += 0.5;
      },
    });
    const nonzero = corrections.filter((correction) => correction.error > 0);
    expect(nonzero).toHaveLength(1);
    expect(nonzero[0]!.error).toBeCloseTo(0.5, 9);
    expect(predictor.state).toEqual(server);
  });

  it('refuses ticks that do not follow one another, and adopts a server state from the future', () => {
    const predictor = newPredictor();
    predictor.predict(10, { ax: 1, ay: 0 });
    expect(() => predictor.predict(12, { ax: 1, ay: 0 })).toThrow(RangeError);
    const ahead = { x: 5, y: 5, vx: 0, vy: 0 };
    const correction = predictor.reconcile(20, ahead);
    expect(correction.replayed).toBe(0);
    expect(predictor.tick).toBe(20);
    expect(predictor.state).toEqual(ahead);
    predictor.predict(21, { ax: 0, ay: 0 });
  });

  it('flags a replay that had to skip inputs lost to the history bound', () => {
    const predictor = new Predictor<Car, Drive>({ initial: origin(), step, clone, distance, capacity: 4 });
    for (let tick = 0; tick < 10; tick++) predictor.predict(tick, { ax: 1, ay: 1 });
    expect(predictor.reconcile(2, origin()).complete).toBe(false);
    expect(predictor.reconcile(7, origin()).complete).toBe(true);
  });

  it('flags a server state older than one already reconciled as incomplete, also with nothing pending', () => {
    const predictor = newPredictor();
    for (let tick = 1; tick <= 5; tick++) predictor.predict(tick, { ax: 1, ay: 1 });
    predictor.reconcile(5, origin()); // all acked: nothing pending
    expect(predictor.pending).toBe(0);
    // A snapshot of tick 3 arriving late: the inputs of ticks 4 and 5 cannot be replayed.
    const late = predictor.reconcile(3, origin());
    expect(late.replayed).toBe(0);
    expect(late.complete).toBe(false);
  });
});

describe('Predictor with a step written the immutable way', () => {
  it('refuses a step that returns the next state instead of changing the one it is given', () => {
    // Typed `void`, so TypeScript lets it through; the prediction would never move.
    const immutableStep = (car: Car, input: Drive): Car => ({ ...car, vx: car.vx + input.ax * DT });
    const predictor = new Predictor<Car, Drive>({ initial: origin(), step: immutableStep, clone, distance });
    expect(() => predictor.predict(1, { ax: 1, ay: 0 })).toThrow(/in place.*returned a value/);
  });
});

describe('ErrorSmoother', () => {
  it('glides a small correction away over ~100 ms without a visible jump', () => {
    const { corrections } = run({
      ticks: 200,
      latencyTicks: 6,
      push: (tick, car) => {
        if (tick === 100) car.x += 0.5;
      },
    });
    const smoother = newSmoother();
    const correction = corrections.find((c) => c.error > 0)!;
    smoother.update(0);
    const before = smoother.render(correction.previous);
    expect(smoother.onCorrection(correction.previous, correction.current)).toBe('smoothed');
    const after = smoother.render(correction.current);
    // The frame after the correction draws the car where the frame before did.
    expect(distance(before, after)).toBeLessThan(1e-9);
    smoother.update(50);
    expect(Math.abs(smoother.offset[0]!)).toBeGreaterThan(0.5 * 0.05);
    smoother.update(100);
    expect(Math.abs(smoother.offset[0]!)).toBeLessThanOrEqual(0.5 * 0.05 + 1e-12);
    smoother.update(1000);
    expect(smoother.offset).toEqual([]);
    expect(smoother.snaps).toBe(0);
  });

  it('snaps a teleport at once', () => {
    const { corrections } = run({
      ticks: 200,
      latencyTicks: 6,
      push: (tick, car) => {
        if (tick === 100) car.y += 50;
      },
    });
    const correction = corrections.find((c) => c.error > 0)!;
    const smoother = newSmoother();
    expect(smoother.onCorrection(correction.previous, correction.current)).toBe('snapped');
    expect(smoother.render(correction.current)).toEqual(correction.current);
    expect(smoother.snaps).toBe(1);
  });

  it('adds corrections up while blending, and snaps when the sum passes the threshold', () => {
    const smoother = newSmoother(1);
    const at = (x: number): Car => ({ x, y: 0, vx: 0, vy: 0 });
    expect(smoother.onCorrection(at(0), at(0))).toBe('none');
    expect(smoother.onCorrection(at(0.6), at(0))).toBe('smoothed');
    expect(smoother.offset[0]).toBeCloseTo(0.6, 12);
    expect(smoother.onCorrection(at(0.6), at(0))).toBe('snapped');
    expect(smoother.offset).toEqual([]);
  });

  it('refuses a non-finite time with a TypeError, and decays the offset as before after one', () => {
    const smoother = newSmoother(1);
    const at = (x: number): Car => ({ x, y: 0, vx: 0, vy: 0 });
    smoother.update(0);
    expect(smoother.onCorrection(at(0.5), at(0))).toBe('smoothed');
    expect(() => smoother.update(Number.NaN)).toThrow('nowMs must be a finite number');
    smoother.update(1000);
    expect(smoother.offset).toEqual([]);
  });

  it('decays an offset once for each ms, also when a time comes in before the latest one', () => {
    const at = (x: number): Car => ({ x, y: 0, vx: 0, vy: 0 });
    const steady = newSmoother(1);
    steady.update(0);
    steady.onCorrection(at(0.5), at(0));
    steady.update(100);
    // A frame's rAF timestamp can be a few ms before the performance.now() a message handler used.
    const mixed = newSmoother(1);
    mixed.update(0);
    mixed.onCorrection(at(0.5), at(0));
    mixed.update(100);
    mixed.update(60);
    mixed.update(100);
    expect(mixed.offset[0]).toBeCloseTo(steady.offset[0]!, 12);
  });

  it('snaps a correction whose size is not a number instead of drawing NaN from then on', () => {
    const smoother = newSmoother(1);
    const at = (x: number): Car => ({ x, y: 0, vx: 0, vy: 0 });
    expect(smoother.onCorrection(at(Number.NaN), at(0))).toBe('snapped');
    expect(smoother.offset).toEqual([]);
    expect(smoother.render(at(2))).toEqual(at(2));
  });
});
