import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVehikillServer, type VehikillServer } from '../support/vehikill.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `npm run bots -- ...args` as a child process: its exit code and everything it printed. */
function runBots(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['scripts/run-typescript.mjs', 'game/bots/main.ts', ...args], { cwd: root });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run bots against a real server', () => {
  let server: VehikillServer;
  beforeAll(async () => {
    server = await startVehikillServer({});
  });
  afterAll(async () => {
    await server?.close();
  });

  it('exits with a clear message and code 1, not a stack trace, when the server refuses the join', async () => {
    const { code, output } = await runBots(['--url', server.wsUrl, '--count', '2', '--room', 'ZZZZZZ']);
    expect(code).toBe(1);
    expect(output).toContain('ROOM_NOT_FOUND');
    expect(output).not.toMatch(/^\s+at /m);
  }, 30_000);
});
