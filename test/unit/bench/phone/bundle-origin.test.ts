import { describe, expect, it } from 'vitest';
import { bundleClassifier, originOfSource } from '../../../../bench/workloads/phone/bundle-origin.js';
import { busyPercent } from '../../../../bench/workloads/phone/rate-rows.js';

describe('originOfSource', () => {
  it("tells the library, the game and npm packages apart by the source's folder from the root", () => {
    expect(originOfSource('../../../src/client/client.ts', 'dist/game/web')).toBe('library');
    expect(originOfSource('../../../game/web/main.ts', 'dist/game/web')).toBe('game');
    expect(
      originOfSource('../../../../../work/main/node_modules/fflate/esm/browser.js', 'dist/game/web'),
    ).toBe('dependencies');
    // A folder merely named src elsewhere is not the library.
    expect(originOfSource('../../src/x.ts', 'dist/game/web')).toBe('unmapped');
  });
});

describe('bundleClassifier', () => {
  // Line 0 of the bundle: columns 0.. from src/a.ts, columns 10.. from game/b.ts; line 1 has no mapping.
  // VLQ: "AAAA" = [0,0,0,0]; "UCAA" = column +10, source +1, line 0, column 0.
  const classify = bundleClassifier(
    {
      version: 3,
      file: 'main.js',
      sources: ['../../../src/a.ts', '../../../game/b.ts'],
      names: [],
      mappings: 'AAAA,UCAA;',
      sourcesContent: [],
      sourceRoot: '',
    },
    '/main.js',
    'dist/game/web',
  );
  const at = (url: string, lineNumber: number, columnNumber: number, functionName = 'f') =>
    classify({ functionName, url, lineNumber, columnNumber });

  it('maps a function in the bundle to its source through the source map', () => {
    expect(at('http://localhost:1/main.js', 0, 3)).toBe('library');
    expect(at('http://localhost:1/main.js', 0, 12)).toBe('game');
  });

  it('calls a position with no mapping on its own line unmapped rather than guessing', () => {
    expect(at('http://localhost:1/main.js', 1, 5)).toBe('unmapped');
  });

  it('names pseudo-frames, other scripts, and leaves builtins to their caller', () => {
    expect(at('', 0, 0, '(idle)')).toBe('idle');
    expect(at('', 0, 0, '(garbage collector)')).toBe('engine');
    expect(at('http://localhost:1/other.js', 0, 0)).toBe('other');
    expect(at('', 0, 0, 'parse')).toBeUndefined();
  });
});

describe('busyPercent', () => {
  it('is a share of the time that was not idle', () => {
    const origins = new Map([
      ['library', 30],
      ['game', 10],
      ['idle', 60],
    ] as const);
    expect(busyPercent(origins, 'library')).toBe(75);
    expect(busyPercent(new Map([['idle', 5]] as const), 'library')).toBeNaN();
  });
});
