import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SIM = join(ROOT, 'game', 'sim');

/**
 * The only Math members the simulation may use: IEEE 754 requires these to be exact (or correctly
 * rounded, for sqrt), so every engine agrees. Everything else (sin, atan2, pow, exp, hypot, random...)
 * is implementation-defined to the last bit, and so is the ** operator.
 */
const ALLOWED = new Set([
  'sqrt',
  'abs',
  'floor',
  'ceil',
  'round',
  'trunc',
  'min',
  'max',
  'sign',
  'fround',
  'imul',
  'clz32',
  'PI',
]);

/** `file:line: text` for every forbidden use in the source. */
function forbiddenUses(file: string, source: string): string[] {
  const found: string[] = [];
  source.split('\n').forEach((line, index) => {
    for (const match of line.matchAll(/\bMath\s*\.\s*([A-Za-z0-9_$]+)/g)) {
      if (!ALLOWED.has(match[1] as string)) found.push(`${file}:${index + 1}: Math.${match[1]}`);
    }
    if (/\*\*/.test(line.replace(/\/\*\*|^\s*\*.*$|\/\/.*$/g, ''))) found.push(`${file}:${index + 1}: **`);
  });
  return found;
}

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) ? [path] : [];
  });
}

describe('game/sim determinism rules', () => {
  it('uses no engine-dependent Math function or ** anywhere', () => {
    const files = sourceFiles(SIM);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((path) => forbiddenUses(relative(ROOT, path), readFileSync(path, 'utf8')));
    expect(found).toEqual([]);
  });

  it('the scan names the file and line of a forbidden call', () => {
    const source =
      'const a = Math.sqrt(2);\nconst b = Math.atan2(1, 2) + Math.random();\nconst c = a ** 2;\n';
    expect(forbiddenUses('game/sim/x.ts', source)).toEqual([
      'game/sim/x.ts:2: Math.atan2',
      'game/sim/x.ts:2: Math.random',
      'game/sim/x.ts:3: **',
    ]);
  });

  it('imports only the package public entry points and its own files, nothing from Node or src', () => {
    const found = sourceFiles(SIM).flatMap((path) =>
      [...readFileSync(path, 'utf8').matchAll(/\bfrom\s+'([^']+)'/g)]
        .map((match) => match[1] as string)
        .filter(
          (specifier) =>
            // Relative imports may reach any file of game/sim (rules/ imports ../world.js), never outside.
            !(specifier.startsWith('.') && resolve(dirname(path), specifier).startsWith(SIM + sep)) &&
            !/^vehikill-net\/(sync|protocol)$/.test(specifier),
        )
        .map((specifier) => `${relative(ROOT, path)}: ${specifier}`),
    );
    expect(found).toEqual([]);
  });
});
