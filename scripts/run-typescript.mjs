// Runs a TypeScript tool from its sources: `node scripts/run-typescript.mjs <entry.ts> [args...]`. esbuild
// bundles it (Node 20 cannot run TypeScript) into node_modules/.cache, where its package imports (ws,
// node-datachannel, ...) still resolve; vehikill-net itself is bundled from src (its 'source' export).
// `npm run bots` and `npm run loadtest` go through here.
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleTypeScript } from './bundle-typescript.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-typescript.mjs <entry.ts> [args...]');
  process.exit(2);
}
const root = fileURLToPath(new URL('../', import.meta.url));
const name = `${basename(entry, '.ts')}-${entry.replaceAll(/[^A-Za-z0-9]+/g, '-')}`;
const outfile = `${root}node_modules/.cache/vehikill-net/${name}.mjs`;
await bundleTypeScript(entry, outfile);
// Not spawnSync: a blocked parent cannot pass on a SIGTERM (from `kill`, a service manager, `timeout`),
// and the tool would go on running, orphaned, after this process died. Signals go to the child, whose
// exit status becomes ours.
const child = spawn(process.execPath, ['--enable-source-maps', outfile, ...args], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) =>
  process.exit(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)),
);
