import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What the page's script puts on `globalThis.simDeterminism`. */
export interface SimDeterminismGlobal {
  /** `runDeterminismScript()`: the world's hash after every tick. */
  world(): number[];
  /** `runGameDeterminismScript()`: the whole game's hash after every tick. */
  game(): number[];
}

/**
 * Builds a bare page whose script is game/sim bundled for browsers (the TypeScript sources through the
 * package's `source` condition, as scripts/bundle-web.mjs does, so no prior build is needed), exposing
 * both determinism scripts as `globalThis.simDeterminism`. Writes to node_modules/.cache, never dist/.
 * Returns the folder to serve.
 */
export async function buildSimDeterminismPage(): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'vehikill-sim-determinism');
  mkdirSync(dir, { recursive: true });
  await build({
    stdin: {
      contents: [
        "import { runDeterminismScript, runGameDeterminismScript } from './game/sim/index.js';",
        'globalThis.simDeterminism = { world: runDeterminismScript, game: runGameDeterminismScript };',
      ].join('\n'),
      resolveDir: ROOT,
      sourcefile: 'sim-determinism-entry.ts',
      loader: 'ts',
    },
    outfile: join(dir, 'sim.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    logLevel: 'warning',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="utf-8" />\n    <title>sim determinism</title>\n' +
      '    <link rel="icon" href="data:," />\n  </head>\n  <body>\n    <script src="sim.js"></script>\n  </body>\n</html>\n',
  );
  return dir;
}
