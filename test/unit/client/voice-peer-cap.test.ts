import { afterEach, describe, expect, it } from 'vitest';
import type { VoiceChat } from '../../../src/client/voice/voice-chat.js';
import { settle } from '../../support/signal-rooms.js';
import { voiceHarness } from '../../support/voice-harness.js';

/** Player ids in an order unlike the sorted one, as the server hands them out. */
const ids = (n: number) =>
  Array.from({ length: n }, (_, i) => `p${(i * 7 + 3) % n}-${String.fromCharCode(122 - i)}`);

let h: ReturnType<typeof voiceHarness> | undefined;
afterEach(() => h?.dispose());

/** Everyone's voice started with `options`, and the problems each one reported. */
async function room(n: number, maxPeers?: number) {
  const members = ids(n);
  h = voiceHarness(members);
  const problems = new Map<string, string[]>();
  const voices = new Map<string, VoiceChat>();
  for (const id of members) {
    const voice = h.start(id, maxPeers === undefined ? {} : { maxPeers });
    const messages: string[] = [];
    voice.on('problem', ({ message }) => messages.push(message));
    problems.set(id, messages);
    voices.set(id, voice);
  }
  await settle();
  const harness = h;
  const linked = (id: string) => members.filter((other) => other !== id && harness.linked(id, other));
  return { members, problems, voices, linked, h: harness };
}

describe('voice above maxPeers: the choice of voice peers is mutual', () => {
  it('9 players, default maxPeers 7: every audio connection anyone opens is answered', async () => {
    const { members, problems, voices, linked, h } = await room(9);
    for (const id of members) {
      // Each side opened exactly the connections that came up: none waits for an answer that never comes.
      expect(h.network.open(id)).toHaveLength(linked(id).length);
      // 9 players, 7 each is impossible (9 x 7 is odd): all but one get 7, that one 6.
      expect(linked(id).length).toBeGreaterThanOrEqual(6);
      expect(linked(id).length).toBeLessThanOrEqual(7);
      // Everyone hears fewer than all 8 others, and is told so.
      expect(voices.get(id)?.unheard()).toHaveLength(8 - linked(id).length);
      expect(problems.get(id)?.join('\n')).toMatch(/at most 7/);
    }
    expect(members.reduce((sum, id) => sum + linked(id).length, 0)).toBe(9 * 7 - 1);
  });

  it('12 players, maxPeers 4: mutual, and everyone gets 4', async () => {
    const { members, linked, h } = await room(12, 4);
    for (const id of members) {
      expect(h.network.open(id)).toHaveLength(4);
      expect(linked(id)).toHaveLength(4);
    }
  });

  it('8 players, default maxPeers: everyone hears everyone, no problem is reported', async () => {
    const { members, problems, voices, linked } = await room(8);
    for (const id of members) {
      expect(linked(id)).toHaveLength(7);
      expect(voices.get(id)?.unheard()).toEqual([]);
      expect(problems.get(id)).toEqual([]);
    }
  });

  it('a member leaving below the cap gives everyone the rest', async () => {
    const { members, linked, h } = await room(9);
    const leaver = members[4] as string;
    for (const id of members) if (id !== leaver) h.rooms.room(id).applyMemberLeft(leaver, 'left');
    void h.rooms.room(leaver).leave();
    await settle();
    for (let i = 0; i < 3; i++) {
      h.clock.advance(2_000); // answering sides that asked before the offerer chose them are offered again
      await settle();
    }
    for (const id of members) if (id !== leaver) expect(linked(id)).toHaveLength(7);
  });
});
