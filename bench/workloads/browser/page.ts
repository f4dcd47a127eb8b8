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

export const CHROMIUM_PATH = '/usr/lib/chromium/chromium';

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
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--allow-loopback-in-peer-connection',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      ...(fakeAudioFile ? [`--use-file-for-fake-audio-capture=${fakeAudioFile}`] : []),
    ],
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

/**
 * A WAV file (48 kHz mono 16-bit) that sounds like continuous speech to an encoder: a voiced tone with a
 * wandering pitch and formant-like harmonics, syllables at about 4 per second and a little noise. Opus
 * then works at its full bitrate (no DTX silence), the worst case for upstream.
 */
export function writeSpeechLikeWav(seconds = 10): string {
  const rate = 48_000;
  const samples = rate * seconds;
  const buffer = Buffer.alloc(44 + samples * 2);
  buffer.write('RIFF', 0);
  buffer.writeUInt32LE(36 + samples * 2, 4);
  buffer.write('WAVEfmt ', 8);
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(rate, 24);
  buffer.writeUInt32LE(rate * 2, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36);
  buffer.writeUInt32LE(samples * 2, 40);
  let phase = 0;
  let seed = 1;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff - 0.5;
  };
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const pitch = 140 + 40 * Math.sin(2 * Math.PI * 0.7 * t) + 20 * Math.sin(2 * Math.PI * 3.1 * t);
    phase += (2 * Math.PI * pitch) / rate;
    let voiced = 0;
    for (let h = 1; h <= 12; h++) {
      // Two wandering formants shape the harmonics.
      const f = pitch * h;
      const f1 = 600 + 200 * Math.sin(2 * Math.PI * 1.3 * t);
      const f2 = 1_700 + 500 * Math.sin(2 * Math.PI * 0.9 * t);
      const gain = Math.exp(-(((f - f1) / 250) ** 2)) + 0.6 * Math.exp(-(((f - f2) / 350) ** 2)) + 0.05;
      voiced += gain * Math.sin(h * phase);
    }
    const syllable = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t);
    const value = 0.25 * syllable * voiced + 0.03 * noise();
    buffer.writeInt16LE(Math.max(-32_767, Math.min(32_767, Math.round(value * 32_767 * 0.5))), 44 + i * 2);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'vehikill-bench-voice-')), 'speech-like.wav');
  writeFileSync(file, buffer);
  return file;
}
