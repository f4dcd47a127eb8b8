import { readdirSync, readFileSync } from 'node:fs';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * A class field declared without an initializer (`#tokens: number;`) is emitted as `#tokens;` and set to
 * `undefined` before the constructor runs. V8 then keeps that field in its most general representation,
 * and every fractional number later stored in it is a new heap object (and a write barrier): a token
 * bucket taken per message cost three times as much, and fed the young-generation collector, until its
 * fields were declared `= 0`. A number field that changes after construction gets a numeric initializer.
 * (`number | undefined` fields hold `undefined` by design and pay the same; keep them off hot paths.)
 */
/** The library, the game and the benchmarks: every file whose classes run in a loop somewhere. */
const roots = ['src', 'game', 'bench'].map((folder) => new URL(`../../../${folder}/`, import.meta.url));
const sources = roots.flatMap((root) =>
  (readdirSync(root, { recursive: true }) as string[])
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts') && !path.includes('node_modules'))
    .map((path) => ({
      path: `${root.pathname.split('/').at(-2)}/${path}`,
      text: readFileSync(new URL(path, root), 'utf8'),
    })),
);

/** Names of the fields a file's classes declare without an initializer, as the emitted JavaScript has them. */
function fieldsWithoutInitializer(text: string): string[] {
  const { code } = transformSync(text, {
    loader: 'ts',
    target: 'es2022',
    tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: true } },
  });
  return [...code.matchAll(/^\s+(#?[\w$]+);$/gm)]
    .map((match) => match[1] as string)
    .filter((name) => !['return', 'break', 'continue', 'debugger'].includes(name));
}

/**
 * Whether `text` declares `name` as a mutable field of type `number` (not optional, which is `number |
 * undefined`). An interface member of the same name in the file reads alike; none does so far.
 */
function isMutableNumber(text: string, name: string): boolean {
  const escaped = name.replace(/[$]/g, '\\$');
  const declaration = new RegExp(
    `^\\s+(?:private |protected |public )?(readonly )?${escaped}!?: ([^;]*);`,
    'gm',
  );
  return [...text.matchAll(declaration)].some((match) => match[1] === undefined && match[2] === 'number');
}

describe('number fields of classes', () => {
  it('are found in the sources (the scan works)', () => {
    expect(sources.filter(({ path }) => path.startsWith('src/')).length).toBeGreaterThan(300);
    const sample = [
      'class A {',
      '  #a: number;',
      '  readonly b: number;',
      '  c = 1;',
      '  d?: number;',
      '  constructor() { this.#a = 1; this.b = 2; }',
      '}',
    ].join('\n');
    expect(fieldsWithoutInitializer(sample)).toEqual(['#a', 'b', 'd']);
    expect(['#a', 'b', 'c', 'd'].map((name) => isMutableNumber(sample, name))).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });

  it('that change after construction are declared with a numeric initializer', () => {
    const undeclared: string[] = [];
    for (const { path, text } of sources) {
      for (const name of fieldsWithoutInitializer(text)) {
        if (isMutableNumber(text, name)) undeclared.push(`${path}: ${name}`);
      }
    }
    expect(undeclared).toEqual([]);
  });
});
