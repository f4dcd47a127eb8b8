// Runs the load tester from its TypeScript sources: esbuild bundles it (Node 20 cannot run TypeScript)
// into node_modules/.cache, where its package imports (ws, ...) still resolve, then runs it with the args.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const outfile = `${root}node_modules/.cache/vehikill-net/loadtest.mjs`;
// Third-party packages stay imports; vehikill-net itself is bundled from src (its 'source' export).
const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const external = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
await build({
  entryPoints: [`${root}bench/loadtest/main.ts`],
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
