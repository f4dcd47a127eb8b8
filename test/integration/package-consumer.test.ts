import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/*
 * The package as its users get it: `npm pack`ed (what `npm publish` would upload), unpacked into a fresh
 * app's node_modules, and used from there, with no path into this repository and no `source` condition.
 * The package's dependencies are linked from this repository's node_modules (the versions `npm install`
 * would pick, without the network).
 */

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = join(root, 'test/fixtures/package-consumer');
const nodeOnlyFixtures = join(root, 'test/fixtures/package-consumer-node');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>;
  dependencies: Record<string, string>;
};

let app: string;
let packed: string[];

beforeAll(async () => {
  app = mkdtempSync(join(tmpdir(), 'vehikill-consumer-'));
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--silent', '--pack-destination', app],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  );
  const [pack] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  packed = (pack as { files: { path: string }[] }).files.map((file) => file.path);
  const installed = join(app, 'node_modules/vehikill-net');
  mkdirSync(installed, { recursive: true });
  await run('tar', [
    '-xzf',
    join(app, (pack as { filename: string }).filename),
    '-C',
    installed,
    '--strip-components=1',
  ]);
  // The package's dependencies, where npm would hoist them (`ws`'s types among them), and the app's own
  // @types/node. The app gets `ws` and its types from the package: it lists neither itself.
  for (const name of [...Object.keys(manifest.dependencies), '@types/node']) {
    mkdirSync(join(app, 'node_modules', name, '..'), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(app, 'node_modules', name), 'dir');
  }
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module' }));
  cpSync(fixtures, join(app, 'src'), { recursive: true });
  cpSync(nodeOnlyFixtures, join(app, 'node-only'), { recursive: true });
}, 60_000);

afterAll(() => {
  if (app !== undefined) rmSync(app, { recursive: true, force: true });
});

/**
 * Writes a tsconfig for the app's sources in `folder` and runs this repository's `tsc` on it; resolves with
 * its output.
 */
async function compile(
  name: string,
  compilerOptions: Record<string, unknown>,
  folder = 'src',
): Promise<string> {
  const base = {
    target: 'ES2022',
    lib: ['ES2022', 'DOM', 'DOM.Iterable'],
    strict: true,
    noUncheckedIndexedAccess: true,
    types: ['node'],
    rootDir: folder,
  };
  const config = { compilerOptions: { ...base, ...compilerOptions }, include: [folder] };
  writeFileSync(join(app, name), JSON.stringify(config));
  const tsc = join(root, 'node_modules/.bin/tsc');
  try {
    const { stdout } = await run(tsc, ['-p', name], { cwd: app });
    return stdout;
  } catch (error) {
    // tsc exits non-zero on a type error; its diagnostics are on stdout.
    return (error as { stdout?: string }).stdout ?? String(error);
  }
}

/**
 * The app's sources compiled with NodeNext resolution into build/ (tsc's output, '' when it found no
 * error): once, for the test that type-checks them and the one that runs what it built, whichever
 * comes first.
 */
let nodeNextBuild: Promise<string> | undefined;
const buildWithNodeNext = () =>
  (nodeNextBuild ??= compile('tsconfig.json', {
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    outDir: 'build',
  }));

describe('the npm package, installed in an app', () => {
  it('holds every export and the dashboard, not the game, benchmarks, examples or tests', () => {
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const files = typeof target === 'string' ? [target] : Object.values(target);
      for (const file of files) expect(packed, `${subpath}: ${file}`).toContain(file.replace(/^\.\//, ''));
    }
    for (const file of ['index.html', 'dashboard.js', 'dashboard.css']) {
      expect(packed).toContain(`dist/dashboard/${file}`);
    }
    expect(packed).toContain('README.md');
    expect(packed).toContain('LICENSE');
    const outside = packed.filter((path) => /^(dist\/)?(game|bench|examples|test)\//.test(path));
    expect(outside).toEqual([]);
  });

  it('type-checks an app against its declarations, with NodeNext and with bundler resolution', async () => {
    expect(
      await compile('tsconfig.bundler.json', { module: 'ESNext', moduleResolution: 'Bundler', noEmit: true }),
    ).toBe('');
    expect(await buildWithNodeNext()).toBe('');
  }, 60_000);

  it('type-checks a Node-only game server with no DOM in its lib and no skipLibCheck', async () => {
    const options = { lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true };
    expect(await compile('tsconfig.node-only.json', options, 'node-only')).toBe('');
  }, 60_000);

  it("type-checks every declaration file of ioredis, which the server's declarations name, without skipLibCheck", async () => {
    // Which of ioredis's declaration files an app loads depends on its version (6.1's index reaches the
    // ones that import the untyped `redis-errors`, 6.0's does not), and `^6.0.0` installs the newest: so
    // all of them must type-check with what the package depends on.
    // Where it really is (the app's copy is a link), so that what it imports resolves as in an install.
    const ioredis = realpathSync(join(app, 'node_modules/ioredis'));
    const declarations = readdirSync(join(ioredis, 'built'), { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('.d.ts'))
      .map((path) => join(ioredis, 'built', path));
    const folder = 'ioredis-declarations';
    mkdirSync(join(app, folder), { recursive: true });
    const references = declarations.map((path) => `/// <reference path=${JSON.stringify(path)} />`);
    writeFileSync(join(app, folder, 'all.ts'), `${references.join('\n')}\nexport {};\n`);
    const options = { lib: ['ES2022'], module: 'NodeNext', moduleResolution: 'NodeNext', noEmit: true };
    expect(await compile('tsconfig.ioredis.json', options, folder)).toBe('');
  }, 60_000);

  it('loads in a CommonJS app with require() (Node 20.19 and later), as the README says', async () => {
    // ES modules only, but none awaits at its top level: Node's require() of them works, for apps that
    // `npm init -y` made CommonJS.
    const entries = Object.keys(manifest.exports).filter((subpath) => subpath !== './package.json');
    const script = `for (const entry of ${JSON.stringify(entries)}) require(entry.replace('.', 'vehikill-net'));`;
    const { stderr } = await run(process.execPath, ['--input-type=commonjs', '-e', script], { cwd: app });
    expect(stderr).toBe('');
  }, 60_000);

  it('runs a Node app from it: a room with synced state and chat, a client playing there, the dashboard, the testing kit', async () => {
    await buildWithNodeNext();
    const { stdout } = await run(process.execPath, [join(app, 'build/app.js')], {
      cwd: app,
      timeout: 30_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      chat: { from: 'Ada', text: 'hello' },
      refused: 'INVALID_MESSAGE',
      invalidMessageCode: 'INVALID_MESSAGE',
      car: { x: expect.any(Number), hp: 100 },
      dashboardStatus: 200,
      dashboardScript: true,
      steps: 3,
      kit: { echo: { from: 'Bo', text: 'kit' }, hosted: true, synced: 1, resumed: true },
    });
  }, 60_000);

  it('bundles for a browser page without Node built-ins', async () => {
    const result = await build({
      entryPoints: [join(app, 'src/page.ts')],
      absWorkingDir: app,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.startsWith('node_modules/vehikill-net/dist/src/client/'))).toBe(true);
    // The package's JavaScript, not its TypeScript sources (those are for the repository's own `source` builds).
    expect(inputs.filter((path) => path.endsWith('.ts') && path !== 'src/page.ts')).toEqual([]);
  }, 60_000);
});
