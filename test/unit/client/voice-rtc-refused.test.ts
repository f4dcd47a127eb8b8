import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RtcPeerConnectionConstructor } from '../../../src/transport/index.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarnessEach } from '../../support/voice-harness.js';

// The lower id offers: A is the offering side of the pair, B the answering one.
const A = 'player-a';
const B = 'player-b';

const h = voiceHarnessEach([A, B]);

/**
 * `owner`'s RTCPeerConnection class on the harness's network, which the browser refuses to make while
 * `refusing()` says so: as Chrome does past its limit of connections, or for an ICE server URL it cannot
 * parse (SyntaxError).
 */
function refusingCtor(
  owner: string,
  refusing: () => boolean,
): { ctor: RtcPeerConnectionConstructor; refused: () => number } {
  const Base = h.network.constructorFor(owner);
  let refused = 0;
  const ctor = function (this: unknown, configuration?: RTCConfiguration) {
    if (refusing()) {
      refused++;
      throw new SyntaxError("Failed to construct 'RTCPeerConnection'");
    }
    return new Base(configuration);
  } as unknown as RtcPeerConnectionConstructor;
  return { ctor, refused: () => refused };
}

/** Time passes second by second, each one's negotiation settling before the next timer. */
async function passSeconds(seconds: number): Promise<void> {
  for (let i = 0; i < seconds; i++) {
    h.clock.advance(1_000);
    await settle();
  }
}

let errors: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  errors = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => errors.mockRestore());

describe('an audio connection whose RTCPeerConnection the browser refuses to make', () => {
  it('the offering side: room.voice() does not throw, and a later attempt connects once one can be made', async () => {
    let refusing = true;
    const { ctor, refused } = refusingCtor(A, () => refusing);
    const problems: string[] = [];
    expect(() => {
      h.start(A, { RTCPeerConnection: ctor }).on('problem', ({ message }) => problems.push(message));
    }).not.toThrow();
    h.start(B);
    await settle();
    expect(refused()).toBeGreaterThan(0);
    // Told once, whatever the number of attempts refused.
    expect(problems).toEqual([
      'Voice could not open an audio connection: the browser refused (SyntaxError).',
    ]);
    expect(h.linked(A, B)).toBe(false);
    refusing = false;
    await passSeconds(31); // past the longest wait between attempts
    expect(h.linked(A, B)).toBe(true);
    expect(errors).not.toHaveBeenCalled();
  });

  it('the answering side: an offer it cannot take throws out of no signal handler; a later one connects', async () => {
    let refusing = true;
    const { ctor, refused } = refusingCtor(B, () => refusing);
    h.start(B, { RTCPeerConnection: ctor });
    h.start(A);
    await settle();
    expect(refused()).toBeGreaterThan(0);
    expect(h.linked(A, B)).toBe(false);
    refusing = false;
    await passSeconds(31);
    expect(h.linked(A, B)).toBe(true);
    // The emitter of the room's signals would have caught and logged a throw.
    expect(errors).not.toHaveBeenCalled();
  });
});
