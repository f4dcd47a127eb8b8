import { describe, expect, it } from 'vitest';
import type { ChatLine } from '../../../game/protocol/index.js';
import { ChatEntries, type ChatEntry, MAX_CHAT_ENTRIES } from '../../../game/web/hud/chat-entries.js';

const line = (at: number, text: string, from = 'p1'): ChatLine => ({ from, name: from, text, at });

/** The log as text: lines as `name: text`, notices in brackets. */
const shown = (entries: readonly ChatEntry[]): string[] =>
  entries.map((entry) =>
    entry.kind === 'line' ? `${entry.line.name}: ${entry.line.text}` : `[${entry.text}]`,
  );

describe('the chat log', () => {
  it("keeps the page's own notices in place among the lines when a resync redraws them", () => {
    const log = new ChatEntries();
    log.notice('Match 1: go!');
    log.add(line(1_000, 'hi'));
    log.notice('Not sent: one a second.');
    log.add(line(2_000, 'gg', 'p2'));
    log.notice('Match 1 over: p2 won.');
    // Back from a drop: the session holds the room's lines again (new objects), with those said meanwhile.
    const redrawn = log.replace([line(1_000, 'hi'), line(2_000, 'gg', 'p2'), line(3_000, 'again?', 'p2')]);
    expect(shown(redrawn)).toEqual([
      '[Match 1: go!]',
      'p1: hi',
      '[Not sent: one a second.]',
      'p2: gg',
      '[Match 1 over: p2 won.]',
      'p2: again?',
    ]);
    expect(log.entries).toEqual(redrawn);
  });

  it('puts a notice whose line the resync no longer holds after the lines said before it', () => {
    const log = new ChatEntries();
    log.add(line(1_000, 'one'));
    log.add(line(2_000, 'two'));
    log.notice('Not sent: one a second.');
    // The room kept only its newest lines: 'two' fell out, 'three' came later.
    expect(shown(log.replace([line(1_500, 'between'), line(3_000, 'three')]))).toEqual([
      'p1: between',
      '[Not sent: one a second.]',
      'p1: three',
    ]);
    // A later redraw keeps it where it now is.
    log.add(line(4_000, 'four'));
    expect(shown(log.replace([line(3_000, 'three'), line(4_000, 'four')]))).toEqual([
      '[Not sent: one a second.]',
      'p1: three',
      'p1: four',
    ]);
  });

  it('keeps at most MAX_CHAT_ENTRIES, dropping the oldest', () => {
    const log = new ChatEntries();
    const lines = Array.from({ length: MAX_CHAT_ENTRIES }, (_, index) => line(index, `line ${index}`));
    for (const each of lines) log.add(each);
    log.notice('Not sent: one a second.');
    const redrawn = log.replace(lines);
    expect(redrawn).toHaveLength(MAX_CHAT_ENTRIES);
    expect(shown(redrawn).at(-1)).toBe('[Not sent: one a second.]');
    expect(shown(redrawn)[0]).toBe('p1: line 1');
  });
});
