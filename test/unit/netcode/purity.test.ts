import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const folder = new URL('../../../src/netcode/', import.meta.url);
const sources = readdirSync(folder)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(new URL(name, folder), 'utf8') }));

describe('netcode stays pure', () => {
  it('imports only its own files, protocol and common', () => {
    expect(sources.length).toBeGreaterThan(10);
    for (const { name, text } of sources) {
      for (const [, specifier] of text.matchAll(/from '([^']+)'/g)) {
        expect(`${name}: ${specifier}`).toMatch(/: (\.\/[\w-]+\.js|\.\.\/(protocol|common)\/[\w-]+\.js)$/);
      }
    }
  });

  it('uses no timers, clocks, globals of a runtime, or engine-dependent randomness', () => {
    const forbidden =
      /\b(setTimeout|setInterval|Date\.now|performance\.|Math\.random|window\.|document\.|process\.|globalThis)/;
    for (const { name, text } of sources)
      expect(`${name}: ${forbidden.exec(text)?.[0] ?? 'clean'}`).toBe(`${name}: clean`);
  });
});
