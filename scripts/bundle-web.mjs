// Bundles the demo page for browsers and copies its static files next to the bundle.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'examples/lobby/web');
const target = join(root, 'dist/examples/lobby/web');
mkdirSync(target, { recursive: true });
await build({
  entryPoints: [join(source, 'main.ts')],
  outfile: join(target, 'main.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) cpSync(join(source, file), join(target, file));
