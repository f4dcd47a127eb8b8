// Bundles the browser pages (the Vehikill game, the lobby demo, the operator dashboard) and copies their
// static files (everything but TypeScript) next to them.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Writes `contents` to `path` only if they differ from what is there, through a temporary file renamed
 * over it: a server serving these files (npm start again while one runs, or a test's server while a test
 * runs npm start) never reads a half-written file, and an unchanged build touches nothing.
 */
function writeIfChanged(path, contents) {
  if (existsSync(path) && readFileSync(path).equals(contents)) return;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** esbuild's build with its output files written by writeIfChanged. */
async function buildQuietly(options) {
  const { outputFiles } = await build({ ...options, write: false });
  for (const file of outputFiles) writeIfChanged(file.path, Buffer.from(file.contents));
}

/** A static file copied by writeIfChanged. */
function copyQuietly(from, to) {
  writeIfChanged(to, readFileSync(from));
}

/** `from`/main.ts bundled to `to`/main.js, with the folder's other files copied beside it. */
async function bundlePage(from, to) {
  const source = join(root, from);
  const target = join(root, to);
  mkdirSync(target, { recursive: true });
  await buildQuietly({
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
      copyQuietly(join(source, entry.name), join(target, entry.name));
  }
}

// The Vehikill game client, which npm start serves, and the lobby demo.
await bundlePage('game/web', 'dist/game/web');
await bundlePage('examples/lobby/web', 'dist/examples/lobby/web');

// The operator dashboard (served by GameServer at /dashboard): its script with uPlot, its style, its page.
const dashboardSource = join(root, 'src/server/monitoring/web');
const dashboardTarget = join(root, 'dist/dashboard');
mkdirSync(dashboardTarget, { recursive: true });
await buildQuietly({
  entryPoints: [join(dashboardSource, 'dashboard.ts')],
  outfile: join(dashboardTarget, 'dashboard.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
});
await buildQuietly({
  entryPoints: [join(dashboardSource, 'dashboard.css')],
  outfile: join(dashboardTarget, 'dashboard.css'),
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
copyQuietly(join(dashboardSource, 'index.html'), join(dashboardTarget, 'index.html'));
