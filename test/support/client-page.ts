import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as bundle } from 'esbuild';

/** The page built in this process: the browser test files run one after another in one process. */
let built: Promise<string> | undefined;

/**
 * Builds a bare test page whose script exposes the browser build of `vehikill-net/client` as
 * `globalThis.vehikill` (and a RecordingSocket), so browser tests drive the real client directly.
 * Returns the folder to serve; built once a process (the sources do not change during a run).
 */
export function buildClientPage(): Promise<string> {
  built ??= build();
  return built;
}

async function build(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vehikill-client-page-'));
  const fixtures = fileURLToPath(new URL('../e2e/fixtures/', import.meta.url));
  await bundle({
    entryPoints: [join(fixtures, 'client-global.ts')],
    outfile: join(dir, 'client-global.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'warning',
  });
  copyFileSync(join(fixtures, 'client-page.html'), join(dir, 'index.html'));
  return dir;
}
