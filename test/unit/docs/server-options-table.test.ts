import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveLimits } from '../../../src/server/options.js';

/**
 * docs/server.md's "GameServer options" table against the limits the server resolves: every limit with a
 * default (`resolveLimits`) is an option an operator may need to raise, so each has a row. A row may name
 * two options (`rateBurst` / `ratePerSecond`).
 */

/** The option names in the first column of the table under "## GameServer options". */
function documentedOptions(): Set<string> {
  const doc = readFileSync('docs/server.md', 'utf8');
  const start = doc.indexOf('## GameServer options');
  expect(start).toBeGreaterThan(-1);
  const end = doc.indexOf('\n## ', start + 1);
  const names = new Set<string>();
  for (const line of doc.slice(start, end === -1 ? undefined : end).split('\n')) {
    if (!line.startsWith('| `')) continue;
    const first = line.slice(1).split('|')[0] ?? '';
    for (const match of first.matchAll(/`([^`]+)`/g)) names.add(match[1] as string);
  }
  return names;
}

describe("docs/server.md's GameServer options table", () => {
  it('has a row for every limit the server resolves a default for', () => {
    const documented = documentedOptions();
    const missing = Object.keys(resolveLimits({})).filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
