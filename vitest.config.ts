import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const entry = (layer: string) => fileURLToPath(new URL(`./src/${layer}/index.ts`, import.meta.url));

/**
 * Integration tests that set packet filters (nftables rules that drop UDP) on the namespace's loopback,
 * which every other test file's traffic would cross: they run in the 'alone' project.
 */
const ALONE = ['test/integration/udp-fallback.test.ts', 'test/integration/server-link-udp.test.ts'];

/**
 * Browser tests that spend nearly all their time waiting with the page hidden and its timers throttled
 * (over a minute: Chromium's throttling keeps whole minutes), using next to no CPU: they wait beside the
 * systems tests rather than hold up the browser tests that run one at a time.
 */
const IDLE_BROWSER = ['test/e2e/client-hidden-throttled.browser.test.ts'];

/**
 * Integration tests whose own process opens WebRTC connections (node-datachannel: direct server links,
 * peer meshes): each in a fresh process. In a process reused from file to file, one of them never ran its
 * tests (its worker was gone as it started, node-datachannel printing `terminate called after throwing an
 * instance of 'std::system_error'`).
 */
const OWN_WEBRTC = [
  'test/integration/peer-*.test.ts',
  'test/integration/rtc-*.test.ts',
  'test/integration/native-rtc-*.test.ts',
  'test/integration/server-link*.test.ts',
  'test/integration/ported-geckos-app.test.ts',
  'test/integration/relay-only-*.test.ts',
  'test/integration/foreign-server-link.test.ts',
  'test/integration/ported-peerjs-app.test.ts',
];

/**
 * Logic tests that teach a module something for the rest of its life (code generation refused, as on a
 * strict page): the 'logic' workers share one module graph from file to file, so such a file would turn
 * every later file's generated quantizers into loops (seen once: a test of the generated path failed after
 * it). Each runs in a process of its own.
 */
const OWN_MODULES = ['test/unit/sync/state-quantizer-csp.test.ts'];

/**
 * Integration tests of a hostile player flooding its direct server link, which judge what the server
 * dropped, counted and cut off while the flood went on. The server forgives a player what it read late
 * after its own loop stood still (LoopStalls), as it must; beside six busy files, the flood's server and
 * its niced flooder were starved so that the flood came slowly and the stalls were forgiven, and the
 * player was never cut off, in two of three full runs. One at a time, with nothing beside them.
 */
const ATTACKS = [
  // Also bursts of 3,000 on channels opened in band while the server stalls: starved, the sends all failed.
  'test/integration/server-link-direct-abuse.test.ts',
  'test/integration/server-link-direct-cutoff.test.ts',
];

/**
 * Vitest's order (larger files first on a clean clone, longer ones first once it has run them), with the
 * 'rtc' files spread evenly among the 'systems' files they run beside. Sorted as a project of their own,
 * they would all start first, and the ones that flood a direct link with tens of thousands of messages a
 * second (their senders niced, standing in for remote machines) would run at the same time: two such floods
 * at once starve the rest of a 2-core machine, and the flooders get too little CPU to flood (a cut-off
 * test missed its bound so; two flood tests failed so in a whole-suite run beside other work).
 */
class SpreadSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rtc = sorted.filter((spec) => spec.project.name === 'rtc');
    const systems = sorted.filter((spec) => spec.project.name === 'systems');
    if (rtc.length === 0 || systems.length === 0) return sorted;
    const spread: TestSpecification[] = [];
    const every = (rtc.length + systems.length) / rtc.length;
    for (let index = 0, next = 0; index < rtc.length + systems.length; index++) {
      const takeRtc = next < rtc.length && index >= Math.floor(next * every);
      spread.push((takeRtc ? rtc[next++] : systems[index - next]) as TestSpecification);
    }
    // The two projects stand next to each other in vitest's order (one sequence.groupOrder).
    const first = sorted.findIndex((spec) => spec.project.name === 'rtc' || spec.project.name === 'systems');
    return [...sorted.slice(0, first), ...spread, ...sorted.slice(first + spread.length)];
  }
}

/**
 * Browser tests that judge no timing (each waits for what it checks, with seconds to spare) and set no
 * packet filter: two at a time, before the ones that run alone.
 */
const PAIRED_BROWSER = [
  'test/e2e/connect-failures.browser.test.ts',
  'test/e2e/cross-browser.browser.test.ts',
  'test/e2e/dashboard.browser.test.ts',
  'test/e2e/lobby.browser.test.ts',
  'test/e2e/lobby-peers.browser.test.ts',
  'test/e2e/mesh.browser.test.ts',
  'test/e2e/sim-determinism.browser.test.ts',
  'test/e2e/turn.browser.test.ts',
  'test/e2e/vehikill-connection.browser.test.ts',
  'test/e2e/vehikill-page.browser.test.ts',
  'test/e2e/vehikill-voice.browser.test.ts',
  'test/e2e/voice.browser.test.ts',
];

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
      'vehikill-net/testing': entry('testing'),
    },
  },
  test: {
    sequence: { sequencer: SpreadSequencer },
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A poll returns as soon as its condition holds; the default second is shorter than a loaded 2-core
    // machine can take to show what a browser page did.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    projects: [
      {
        // Pure logic: one process per core, each reused from file to file (no fork and no fresh module
        // graph per file, which cost more than most of these files' tests).
        extends: true,
        test: {
          name: 'logic',
          include: ['test/unit/**/*.test.ts', 'test/fuzz/**/*.test.ts'],
          exclude: OWN_MODULES,
          isolate: false,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // OWN_MODULES: beside the logic tests, each file in a fresh process.
        extends: true,
        test: {
          name: 'own-modules',
          include: OWN_MODULES,
          maxWorkers: 1,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real servers and Redis: six files at a time, after the logic tests. Most of their time is spent
        // waiting on timers (heartbeats, backoffs, grace periods), so more files fill the idle cores; those
        // that take the machine or the network to themselves run after. Four (three before) once the tests
        // that judged the machine's speed waited on what they depend on instead: 706 s for the suite
        // against 756-794 s with three. In processes reused from file to file: a fresh process per file
        // imports the servers, the clients and their dependencies again (about 350 modules), some 2 s of
        // CPU a file, more than most of these files' tests take: 156 of these files took 571 s of CPU and
        // 610 s with a process each, 219 s and 277 s reused, on the same machine. Each file closes the
        // servers, clients and child processes it starts, and restores what it stubs or spies on. Six (four
        // before) once reused: this step and 'rtc' took 318 s with four (the cores 56% busy with it), 216 s
        // and 298 s with six (the second beside a load of 10 from other work), all passing; 225 s with
        // eight, where two tests judging rates failed.
        extends: true,
        test: {
          name: 'systems',
          include: ['test/integration/**/*.test.ts'],
          exclude: [...ALONE, ...OWN_WEBRTC],
          isolate: false,
          maxWorkers: 6,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The integration tests that open WebRTC connections in their own process (OWN_WEBRTC) and the
        // idle browser test (IDLE_BROWSER): beside the systems tests, in the same six workers, each file in
        // a fresh process, spread among them (SpreadSequencer).
        extends: true,
        test: {
          name: 'rtc',
          include: [...OWN_WEBRTC, ...IDLE_BROWSER],
          exclude: [...ALONE, ...ATTACKS],
          maxWorkers: 6,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // The flood tests (ATTACKS): each in a fresh process (they open WebRTC connections, as the 'rtc'
        // files do), one file at a time in the pool of one they share with 'alone' (projects of one
        // groupOrder share a pool): nothing else runs beside them. About 100 s.
        extends: true,
        test: {
          name: 'attacks',
          include: ATTACKS,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
      {
        // The browser tests in PAIRED_BROWSER: two at a time, each process reused from file to file as in
        // 'alone', after the systems tests.
        extends: true,
        test: {
          name: 'browsers',
          include: PAIRED_BROWSER,
          isolate: false,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
        },
      },
      {
        // Browsers (each a CPU-heavy process tree whose timing the tests judge) and the tests that set
        // packet filters on the namespace's loopback (every other test's traffic would cross them): one file
        // at a time, last. In one process reused from file to file: each file imports the game, its server
        // and a browser driver, which cost a second or two a file of this one-at-a-time queue, and each
        // closes the browsers and servers it starts.
        extends: true,
        test: {
          name: 'alone',
          include: ['test/e2e/**/*.test.ts', ...ALONE],
          exclude: [...IDLE_BROWSER, ...PAIRED_BROWSER],
          isolate: false,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
