import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricCatalog } from '../../../../src/server/monitoring/metric-catalog.js';

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('the metric catalogue', () => {
  it('describes every counter the server and the game count by name', () => {
    // A name outside the catalogue still reaches /metrics, but with no help text for the operator.
    const counted = new Set<string>();
    for (const file of [...sources('src'), ...sources('game')]) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\.count\(\s*'([a-z_]+_total)'/g)) {
        counted.add(match[1] as string);
      }
    }
    expect(counted.size).toBeGreaterThan(20);
    const missing = [...counted].filter((name) => !(name in metricCatalog)).sort();
    expect(missing).toEqual([]);
  });

  it('lists only metrics something reports: a name no code uses would read 0 for ever', () => {
    // An always-zero metric looks like "nothing happened" on a dashboard, and an alert on it never fires.
    const code = [...sources('src'), ...sources('game')]
      .filter((file) => !file.endsWith('metric-catalog.ts'))
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    const unused = Object.keys(metricCatalog).filter(
      (name) => !code.includes(`'${name}'`) && !code.includes(`"${name}"`) && !code.includes(`\`${name}\``),
    );
    expect(unused).toEqual([]);
  });
});
