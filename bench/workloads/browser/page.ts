/**
 * Node side of the Chromium benchmarks: builds the page that runs agent.ts, launches headless Chromium
 * the way TESTING.md says, and types `page.evaluate` calls into the agent. Bench-owned on purpose:
 * tsconfig.build.json compiles `bench` but not `test`, and test/support/client-page.ts looks for its
 * fixtures next to itself, which a compiled copy in dist/ would not find.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { BenchAgent } from './agent.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, playerArgs } from './chromium.js';

/** The repository root: the nearest folder above this file with both package.json and bench/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!(existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench', 'run.ts')))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

/** Bundles agent.ts (from its TypeScript source, the client from src/) into a folder to serve. */
export async function buildAgentPage(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'vehikill-bench-page-'));
  await build({
    entryPoints: [join(repoRoot(), 'bench', 'workloads', 'browser', 'agent.ts')],
    outfile: join(dir, 'agent.js'),
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    conditions: ['source'],
    logLevel: 'warning',
  });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title>' +
      '<link rel="icon" href="data:,"></head><body><script src="agent.js"></script></body></html>\n',
  );
  return dir;
}

/** Headless Chromium with loopback WebRTC and a fake microphone (optionally fed from a WAV file). */
export function launchChromium(fakeAudioFile?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...playerArgs(fakeAudioFile)],
  });
}

/** Calls `benchAgent[method](...args)` in the page and returns its result. */
export function agent<M extends keyof BenchAgent>(
  page: Page,
  method: M,
  ...args: Parameters<BenchAgent[M]>
): Promise<Awaited<ReturnType<BenchAgent[M]>>> {
  return page.evaluate(
    ({ method, args }) => {
      const target = (globalThis as unknown as { benchAgent: Record<string, (...a: unknown[]) => unknown> })
        .benchAgent;
      return target[method]!(...args);
    },
    { method, args: args as unknown[] },
  ) as Promise<Awaited<ReturnType<BenchAgent[M]>>>;
}
