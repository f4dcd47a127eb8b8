import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The dashboard's files, as scripts/bundle-web.mjs writes them. */
export const DASHBOARD_FILES = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
} as const;

export type DashboardFile = keyof typeof DASHBOARD_FILES;

/**
 * Where the bundle lies: dist/dashboard/ beside dist/src/ when running the built package, and the
 * same folder seen from src/ when running the TypeScript sources (tests, tsx).
 */
const CANDIDATES = [
  new URL('../../../dashboard/', import.meta.url),
  new URL('../../../dist/dashboard/', import.meta.url),
];

/** Reads the dashboard's files once, from `dir` or the default places; undefined if not built. */
export async function loadDashboardAssets(dir?: string): Promise<Map<DashboardFile, Buffer> | undefined> {
  const folders =
    dir === undefined ? CANDIDATES.map((url) => fileURLToPath(url)) : [dir.endsWith('/') ? dir : `${dir}/`];
  for (const folder of folders) {
    try {
      const files = new Map<DashboardFile, Buffer>();
      for (const name of Object.keys(DASHBOARD_FILES) as DashboardFile[]) {
        files.set(name, await readFile(folder + name));
      }
      return files;
    } catch {
      // Not in this folder: try the next.
    }
  }
  return undefined;
}
