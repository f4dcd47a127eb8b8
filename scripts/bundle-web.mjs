// Bundles the demo page for browsers and copies its static files (everything but TypeScript) next to it.
import { cpSync, mkdirSync, readdirSync } from 'node:fs';
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
  // Resolve vehikill-net/client to its TypeScript sources, so the page needs no prior tsc run.
  conditions: ['source'],
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
for (const entry of readdirSync(source, { withFileTypes: true })) {
  if (entry.isFile() && !entry.name.endsWith('.ts'))
    cpSync(join(source, entry.name), join(target, entry.name));
}

// The Vehikill game client (npm start serves it): game/web/main.ts and its static files, to dist/game/web.
const gameSource = join(root, 'game/web');
const gameTarget = join(root, 'dist/game/web');
mkdirSync(gameTarget, { recursive: true });
await build({
  entryPoints: [join(gameSource, 'main.ts')],
  outfile: join(gameTarget, 'main.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  conditions: ['source'],
  sourcemap: true,
  minify: true,
  logLevel: 'warning',
});
for (const entry of readdirSync(gameSource, { withFileTypes: true })) {
  if (entry.isFile() && !entry.name.endsWith('.ts'))
    cpSync(join(gameSource, entry.name), join(gameTarget, entry.name));
}

// The operator dashboard (served by GameServer at /dashboard): its script with uPlot, its style, its page.
const dashboardSource = join(root, 'src/server/monitoring/web');
const dashboardTarget = join(root, 'dist/dashboard');
mkdirSync(dashboardTarget, { recursive: true });
await build({
  entryPoints: [join(dashboardSource, 'dashboard.ts')],
  outfile: join(dashboardTarget, 'dashboard.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
await build({
  entryPoints: [join(dashboardSource, 'dashboard.css')],
  outfile: join(dashboardTarget, 'dashboard.css'),
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
cpSync(join(dashboardSource, 'index.html'), join(dashboardTarget, 'index.html'));
