import { afterEach, describe, expect, it, vi } from 'vitest';
import { Emitter } from '../../../src/common/index.js';

interface Events {
  ping: number;
  pong: string;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Emitter', () => {
  it('delivers payloads to listeners of that event only, in subscription order', () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    emitter.on('ping', (n) => seen.push(`a${n}`));
    emitter.on('ping', (n) => seen.push(`b${n}`));
    emitter.on('pong', (text) => seen.push(text));
    emitter.emit('ping', 1);
    emitter.emit('pong', 'p');
    expect(seen).toEqual(['a1', 'b1', 'p']);
  });

  it('every subscription returns a disposer that removes exactly that listener; twice is harmless', () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    const disposeA = emitter.on('ping', (n) => seen.push(`a${n}`));
    emitter.on('ping', (n) => seen.push(`b${n}`));
    disposeA();
    disposeA();
    emitter.emit('ping', 2);
    expect(seen).toEqual(['b2']);
    expect(emitter.listenerCount('ping')).toBe(1);
  });

  it('once fires once, and its disposer cancels it before it fires', () => {
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    emitter.once('ping', (n) => seen.push(n));
    const cancelled = emitter.once('ping', (n) => seen.push(n * 100));
    cancelled();
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    expect(seen).toEqual([1]);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('a listener may dispose itself while being called', () => {
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    const dispose = emitter.on('ping', (n) => {
      seen.push(n);
      dispose();
    });
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    expect(seen).toEqual([1]);
  });

  it('a throwing listener is reported and the others, and the caller, carry on', () => {
    const report = vi.spyOn(console, 'error').mockImplementation(() => {});
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    const boom = new Error('boom');
    emitter.on('ping', () => {
      throw boom;
    });
    emitter.on('ping', (n) => seen.push(n));
    expect(() => emitter.emit('ping', 7)).not.toThrow();
    expect(seen).toEqual([7]);
    expect(report).toHaveBeenCalledOnce();
    expect(report.mock.calls[0]?.[0]).toMatch(/'ping'/);
    expect(report.mock.calls[0]?.[1]).toBe(boom);
  });

  it('a throwing once-listener is still removed', () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const emitter = new Emitter<Events>();
    emitter.once('ping', () => {
      throw new Error('boom');
    });
    emitter.emit('ping', 1);
    expect(emitter.listenerCount('ping')).toBe(0);
  });

  it('emitting with no listeners does nothing; removeAll() drops every listener', () => {
    const emitter = new Emitter<Events>();
    expect(() => emitter.emit('pong', 'nobody')).not.toThrow();
    const seen: unknown[] = [];
    emitter.on('ping', (n) => seen.push(n));
    emitter.on('pong', (text) => seen.push(text));
    emitter.removeAll();
    emitter.emit('ping', 1);
    emitter.emit('pong', 'x');
    expect(seen).toEqual([]);
    expect(emitter.listenerCount('ping') + emitter.listenerCount('pong')).toBe(0);
  });

  it('a listener removed by an earlier one during an emit is not called by it; one added waits for the next', () => {
    const emitter = new Emitter<Events>();
    const seen: string[] = [];
    let disposeB: () => void = () => {};
    emitter.on('ping', (n) => {
      seen.push(`a${n}`);
      disposeB();
      if (n === 1) emitter.on('ping', (m) => seen.push(`c${m}`));
    });
    disposeB = emitter.on('ping', (n) => seen.push(`b${n}`));
    emitter.emit('ping', 1);
    emitter.emit('ping', 2);
    expect(seen).toEqual(['a1', 'a2', 'c2']);
  });

  it('removeAll() from a listener stops the rest of that emit', () => {
    const emitter = new Emitter<Events>();
    const seen: number[] = [];
    emitter.on('ping', () => emitter.removeAll());
    emitter.on('ping', (n) => seen.push(n));
    emitter.emit('ping', 1);
    expect(seen).toEqual([]);
  });
});
