import { type DirectAttempts, ManualClock, ServerLink } from 'vehikill-net/server';
import { Channel, type Link, type LinkState, QualityMonitor } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { linkStats } from '../../support/fake-path.js';

const DISPATCH = 2;

/** A ServerLink in TCP mode whose port records the dispatch frames it is given. */
function serverLink() {
  const clock = new ManualClock();
  const player = { connected: true };
  const frames: Uint8Array[] = [];
  const link = new ServerLink(
    clock,
    (channel, bytes) => {
      if (channel === DISPATCH) frames.push(bytes);
    },
    () => 0,
    undefined,
    () => player.connected,
  );
  return { clock, player, frames, link };
}

describe('ServerLink dispatch across a resume', () => {
  it('sends every unacked dispatch frame again at once after a resume with resync', () => {
    const { player, frames, link } = serverLink();
    player.connected = false;
    for (let n = 0; n < 3; n++) link.send(Channel.dispatch, Uint8Array.of(n));
    expect(frames.length).toBe(3); // into the session's outbox, which may drop them (a resync)
    player.connected = true;
    link.resumed(true);
    expect(frames.length).toBe(6);
    expect(frames.slice(3)).toEqual(frames.slice(0, 3));
    link.close();
  });

  it('sends nothing again after a plain resume (the replay covered it)', () => {
    const { player, frames, link } = serverLink();
    player.connected = false;
    link.send(Channel.dispatch, Uint8Array.of(1));
    player.connected = true;
    link.resumed(false);
    expect(frames.length).toBe(1);
    link.close();
  });

  it('queues no timed retransmissions while the player is away', () => {
    const { clock, player, frames, link } = serverLink();
    player.connected = false;
    link.send(Channel.dispatch, Uint8Array.of(1));
    clock.advance(20_000);
    expect(frames.length).toBe(1);
    player.connected = true;
    link.resumed(false); // as the server does on every resume
    clock.advance(1_000); // back, and still no ack: it goes again from the timer, within a second
    expect(frames.length).toBe(2);
    link.close();
    expect(clock.pendingTimers).toBe(0);
  });
});

/** A direct attempt that never connects (the player's network is down): it closes when abandoned. */
function deadAttempt(clock: ManualClock): Link {
  let state: LinkState = 'connecting';
  const listeners = new Set<(state: LinkState) => void>();
  return {
    get state() {
      return state;
    },
    send: () => false,
    onMessage: () => () => {},
    onState(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stats: () => linkStats(),
    quality: new QualityMonitor({ clock }),
    close() {
      state = 'closed';
      for (const listener of listeners) listener('closed');
    },
  };
}

describe('ServerLink direct attempts across a resume', () => {
  it('tries again at once when a resume asks for a direct link, not after the backoff', () => {
    const { clock, link } = serverLink();
    let started = 0;
    const attempts: DirectAttempts = {
      schedule: (create) => {
        create();
        return { done: () => {}, cancel: () => {} };
      },
      connect: () => {
        started++;
        return deadAttempt(clock);
      },
      sendSignal: () => {},
      directTimeoutMs: 100,
      retryMs: 60_000,
    };
    link.enableDirect(attempts);
    // Five attempts fail while the player is away: the next one waits 8 s.
    clock.advance(100 + 500 + 100 + 1_000 + 100 + 2_000 + 100 + 4_000 + 100);
    expect(link.failedAttempts).toBe(5);
    expect(started).toBe(5);
    link.enableDirect(attempts); // the resume's hello asks again
    expect(started).toBe(6);
    link.close();
  });
});
