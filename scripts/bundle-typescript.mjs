// Bundles a TypeScript entry of this repository for Node (Node 20 cannot run TypeScript): vehikill-net
// itself from src (its 'source' export), every package it depends on left as an import. `outfile` must be
// inside the repository, so that those imports resolve from node_modules. Shared by run-typescript.mjs
// (`npm run bots`, `npm run loadtest`) and the tests that run a server's main as an operator does.
import { readFileSync, renameSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));

/**
 * Bundles `entry` (a path from the repository root) to `outfile`: written beside it and renamed over it,
 * so that a process starting the same tool meanwhile (operations.md runs several load tests at once)
 * loads the whole of one bundle or the other, never one half-written.
 */
export async function bundleTypeScript(entry, outfile) {
  const manifest = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  const written = `${outfile}.${process.pid}.tmp`;
  await build({
    entryPoints: [`${root}${entry}`],
    outfile: written,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }),
    conditions: ['source'],
    logLevel: 'warning',
  });
  renameSync(written, outfile);
}
