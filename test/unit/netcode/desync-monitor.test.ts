import { DesyncMonitor, fnv1a32, fnv1a32Bytes, parseDesync, serializeDesync } from 'vehikill-net/netcode';
import { describe, expect, it } from 'vitest';

interface State {
  x: number;
  hp: number;
}
const step = (state: State, input: number): State => ({
  x: state.x + input,
  hp: state.hp - (input > 2 ? 1 : 0),
});
const hash = (tick: number, state: State) => fnv1a32([tick, state.x, state.hp]);

describe('fnv1a32', () => {
  it('matches the standard FNV-1a values on bytes', () => {
    expect(fnv1a32Bytes([])).toBe(0x811c9dc5);
    expect(fnv1a32Bytes(new TextEncoder().encode('a'))).toBe(0xe40c292c);
    expect(fnv1a32Bytes(new TextEncoder().encode('foobar'))).toBe(0xbf9cf968);
  });

  it('hashes each integer as 4 little-endian bytes, chains, and refuses non-integers', () => {
    expect(fnv1a32([0x64636261])).toBe(fnv1a32Bytes(new TextEncoder().encode('abcd')));
    expect(fnv1a32([-1])).toBe(fnv1a32([0xffffffff]));
    expect(fnv1a32([2], fnv1a32([1]))).toBe(fnv1a32([1, 2]));
    expect(fnv1a32([1, 2])).not.toBe(fnv1a32([2, 1]));
    expect(() => fnv1a32([0.5])).toThrow(RangeError);
    expect(() => fnv1a32([2 ** 32])).toThrow(RangeError);
  });
});

describe('DesyncMonitor', () => {
  /** The server runs 200 ticks, checkpointing every 30; returns the monitor and the inputs. */
  function serverRun() {
    const monitor = new DesyncMonitor<number, State>({ inputTicks: 60 });
    let state: State = { x: 0, hp: 100 };
    const inputs: number[] = [];
    const hashes: number[] = [];
    for (let tick = 0; tick < 200; tick++) {
      const input = (tick * 7) % 5;
      inputs.push(input);
      state = step(state, input);
      hashes.push(hash(tick, state));
      monitor.record(tick, hash(tick, state), input);
      if (tick % 30 === 0) monitor.checkpoint(tick, { ...state });
    }
    return { monitor, inputs, hashes };
  }

  it('matches an honest client, and says unknown for ticks it no longer (or not yet) holds', () => {
    const { monitor, hashes } = serverRun();
    expect(monitor.check(190, hashes[190]!)).toEqual({ status: 'match' });
    expect(monitor.check(500, 1)).toEqual({ status: 'unknown' });
    expect(monitor.stats).toEqual({ matches: 1, mismatches: 0, unknown: 1 });
  });

  it('records a mismatch with the inputs since a checkpoint, which replay to the server hash', () => {
    const { monitor, hashes } = serverRun();
    const check = monitor.check(185, hashes[185]! ^ 1);
    expect(check.status).toBe('mismatch');
    if (check.status !== 'mismatch') return;
    const record = parseDesync(serializeDesync(check.record));
    expect(record.tick).toBe(185);
    expect(record.serverHash).toBe(hashes[185]);
    expect(record.clientHash).toBe((hashes[185]! ^ 1) >>> 0);
    expect(record.baseline?.tick).toBe(180);
    expect(record.inputs.map((logged) => logged.tick)).toEqual([181, 182, 183, 184, 185]);
    // Replay offline from the record alone.
    let state = record.baseline!.state as State;
    for (const logged of record.inputs) state = step(state, logged.input as number);
    expect(hash(record.tick, state)).toBe(record.serverHash);
  });

  it('without a usable checkpoint, carries the bounded input log leading up to the tick', () => {
    const monitor = new DesyncMonitor<number>({ inputTicks: 10 });
    for (let tick = 0; tick < 50; tick++) monitor.record(tick, tick, tick);
    const check = monitor.check(45, 0);
    expect(check.status === 'mismatch' && check.record.inputs.map((logged) => logged.tick)).toEqual([
      40, 41, 42, 43, 44, 45,
    ]);
    expect(check.status === 'mismatch' && check.record.baseline).toBeUndefined();
  });

  it('parseDesync refuses input and baseline ticks that are not ticks', () => {
    const record = (extra: string) => `{"tick":5,"serverHash":1,"clientHash":2,${extra}}`;
    expect(() => parseDesync(record('"inputs":[{"tick":4.5,"input":0}]'))).toThrow(
      'desync record: bad input at 0',
    );
    expect(() => parseDesync(record('"inputs":[{"tick":-1,"input":0}]'))).toThrow(
      'desync record: bad input at 0',
    );
    expect(() => parseDesync(record('"inputs":[],"baseline":{"tick":2.5,"state":{}}'))).toThrow(
      'desync record: bad baseline',
    );
  });

  it('parseDesync refuses records out of shape', () => {
    expect(() => parseDesync('null')).toThrow(TypeError);
    expect(() => parseDesync('{"tick":-1,"serverHash":1,"clientHash":2,"inputs":[]}')).toThrow(/tick/);
    expect(() => parseDesync('{"tick":1,"serverHash":1.5,"clientHash":2,"inputs":[]}')).toThrow(/serverHash/);
    expect(() => parseDesync('{"tick":1,"serverHash":1,"clientHash":2,"inputs":[{"tick":1}]}')).toThrow(
      /input/,
    );
    expect(() => parseDesync('{"tick":1,"serverHash":1,"clientHash":2,"inputs":[],"baseline":3}')).toThrow(
      /baseline/,
    );
  });
});
