/**
 * The origin of a function in the game page's CPU profile: the page is one minified bundle
 * (dist/game/web/main.js), so a function's place in it is looked up in the bundle's source map, and the
 * original file's folder tells the networking library (src/) from the game (game/) and the npm packages.
 */
import { SourceMap, type SourceMapPayload } from 'node:module';
import { posix } from 'node:path';
import type { CallFrame } from './profile-time.js';

export type Origin = 'library' | 'game' | 'dependencies' | 'unmapped' | 'engine' | 'idle' | 'other';

/**
 * A source map's source path (relative to the bundle's folder, `bundleDir` from the repository root)
 * as an origin.
 */
export function originOfSource(source: string, bundleDir: string): Origin {
  if (source.split('/').includes('node_modules')) return 'dependencies';
  const fromRoot = posix.normalize(posix.join(bundleDir, source));
  if (fromRoot.startsWith('src/')) return 'library';
  if (fromRoot.startsWith('game/')) return 'game';
  return 'unmapped';
}

/** V8's pseudo-frames: the idle thread, and engine work outside any script. */
const PSEUDO: Record<string, Origin> = {
  '(idle)': 'idle',
  '(program)': 'engine',
  '(garbage collector)': 'engine',
  '(root)': 'engine',
};

/**
 * Classifies frames: pseudo-frames by name, frames in the bundle (its URL's path ends in `bundlePath`)
 * through its source map, frames of other scripts as 'other', and script-less frames (builtins) as
 * undefined, for timeByOrigin to charge to their caller. A bundle position with no mapping on its own
 * line is 'unmapped' rather than guessed from an earlier line.
 */
export function bundleClassifier(
  payload: SourceMapPayload,
  bundlePath: string,
  bundleDir: string,
): (frame: CallFrame) => Origin | undefined {
  const map = new SourceMap(payload);
  return (frame) => {
    const pseudo = PSEUDO[frame.functionName];
    if (pseudo && frame.url === '') return pseudo;
    if (frame.url === '') return undefined;
    let path: string;
    try {
      path = new URL(frame.url).pathname;
    } catch {
      return 'other';
    }
    if (!path.endsWith(bundlePath)) return 'other';
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as Partial<{
      generatedLine: number;
      originalSource: string;
    }>;
    if (entry.originalSource === undefined || entry.generatedLine !== frame.lineNumber) return 'unmapped';
    return originOfSource(entry.originalSource, bundleDir);
  };
}
