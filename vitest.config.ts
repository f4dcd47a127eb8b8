import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const entry = (layer: string) => fileURLToPath(new URL(`./src/${layer}/index.ts`, import.meta.url));

export default defineConfig({
  // Tests import the package by its public names, like apps do, but run the TypeScript sources.
  resolve: {
    alias: {
      'vehikill-net/protocol': entry('protocol'),
      'vehikill-net/server': entry('server'),
      'vehikill-net/client': entry('client'),
      'vehikill-net/transport': entry('transport'),
      'vehikill-net/sync': entry('sync'),
      'vehikill-net/netcode': entry('netcode'),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A poll returns as soon as its condition holds; the default second is shorter than a loaded 2-core
    // machine can take to show what a browser page did.
    expect: { poll: { timeout: 10_000, interval: 50 } },
  },
});
