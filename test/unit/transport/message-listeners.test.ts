import { afterEach, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Channel, createSimulatedLinkPair, type Link } from '../../../src/transport/index.js';

const bytes = Uint8Array.of(1, 2, 3);

/**
 * A link's message listeners, through a public Link: `listeners.add` subscribes on the receiving end,
 * `emit` sends one message across a clean simulated path and lets it arrive.
 */
function linkListeners() {
  const clock = new ManualClock(0);
  const [a, b] = createSimulatedLinkPair({ clock, seed: 1 });
  clock.advance(0); // up: a link takes datagrams only once it is
  return {
    add: (listener: Parameters<Link['onMessage']>[0]) => b.onMessage(listener),
    emit(channel: Channel, payload: Uint8Array) {
      a.send(channel, payload);
      clock.advance(10);
    },
    close: () => b.close(),
  };
}

describe("a link's message listeners (every datagram in and out of a link)", () => {
  afterEach(() => vi.restoreAllMocks());

  it('delivers to every subscriber in order; a throwing one is reported and stops nobody', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const listeners = linkListeners();
    const seen: string[] = [];
    listeners.add((channel, payload) => seen.push(`a:${channel}:${payload.length}`));
    listeners.add(() => {
      throw new Error('app bug');
    });
    listeners.add((channel) => seen.push(`c:${channel}`));
    listeners.emit(Channel.phys, bytes);
    expect(seen).toEqual(['a:phys:3', 'c:phys']);
    expect(error).toHaveBeenCalledOnce();
  });

  it('takes changes made during a dispatch from the next one on', () => {
    const listeners = linkListeners();
    const seen: string[] = [];
    let disposeB = () => {};
    listeners.add(() => {
      seen.push('a');
      disposeB();
      listeners.add(() => seen.push('late'));
    });
    disposeB = listeners.add(() => seen.push('b'));
    listeners.emit(Channel.event, bytes);
    expect(seen).toEqual(['a', 'b']);
    seen.length = 0;
    disposeB = () => {};
    listeners.emit(Channel.event, bytes);
    expect(seen).toEqual(['a', 'late']);
  });

  it('counts each subscription: the same function twice is called twice, and each disposer ends one', () => {
    const listeners = linkListeners();
    let calls = 0;
    const listener = () => {
      calls++;
    };
    const first = listeners.add(listener);
    listeners.add(listener);
    listeners.emit(Channel.phys, bytes);
    expect(calls).toBe(2);
    first();
    first();
    listeners.emit(Channel.phys, bytes);
    expect(calls).toBe(3);
  });

  it('calls nobody once the link is closed', () => {
    const listeners = linkListeners();
    let calls = 0;
    listeners.add(() => {
      calls++;
    });
    listeners.close();
    listeners.emit(Channel.phys, bytes);
    expect(calls).toBe(0);
  });
});
