// Runs the bots from their TypeScript sources: esbuild bundles them (Node 20 cannot run TypeScript) into
// node_modules/.cache, where their package imports (ws, node-datachannel) still resolve, then runs them.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outfile = `${root}node_modules/.cache/vehikill-net/bots.mjs`;
// Third-party packages stay imports; vehikill-net itself is bundled from src (its 'source' export).
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const external = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
await build({
  entryPoints: [`${root}game/bots/main.ts`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  conditions: ['source'],
  logLevel: 'warning',
});
const run = spawnSync(process.execPath, ['--enable-source-maps', outfile, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
