import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, sleep } from '../support/server.js';
import { startVehikillServer, VehikillPlayers, type VehikillServer } from '../support/vehikill.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** `npm run bots -- ...args` as a child process: its exit code and everything it printed. */
function runBots(
  args: string[],
  started?: (child: ChildProcess) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('node', ['scripts/run-typescript.mjs', 'game/bots/main.ts', ...args], { cwd: root });
    started?.(child);
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.stderr.on('data', (data) => (output += data));
    child.on('exit', (code, signal) => resolve({ code, signal, output }));
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

  // The README's own command, into a private room its creator plays in: the room has one seat fewer than
  // bots, and the bot refused ROOM_FULL took the seven seated ones out with it (exit 1, nobody played).
  it('plays with the bots that fit when a private room has fewer free seats than bots', async () => {
    const players = new VehikillPlayers();
    await players.start({});
    const creator = players.player('Creator');
    let child: ChildProcess | undefined;
    try {
      await creator.createPrivate();
      const code = creator.room?.code as string;
      let output = '';
      const done = runBots(
        ['--url', players.server?.wsUrl as string, '--count', '8', '--room', code],
        (started) => {
          child = started;
          started.stdout?.on('data', (data) => (output += data));
        },
      );
      await eventually(() => output.includes('7 bots in room'), 'the seven bots that fit playing', 20_000);
      expect(output).toContain('7 of 8 bots joined, 1 refused ROOM_FULL');
      expect(players.server?.rooms[0]?.clients.length).toBe(8);
      child?.kill('SIGTERM');
      expect((await done).code).toBe(0);
    } finally {
      child?.kill('SIGTERM');
      await players.close();
    }
  }, 40_000);

  // A service manager or `timeout` stops with SIGTERM: the bots leave their seats rather than have the
  // server keep them for the reconnect grace (30 s) as if they had dropped.
  it('leaves the room at once on SIGTERM', async () => {
    const before = server.rooms.length;
    let child: ChildProcess | undefined;
    const done = runBots(['--url', server.wsUrl, '--count', '2'], (started) => {
      child = started;
    });
    await eventually(() => (server.rooms[before]?.clients.length ?? 0) === 2, 'bots in the room', 20_000);
    const room = server.rooms[before];
    child?.kill('SIGTERM');
    const { code, signal, output } = await done;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // Their own close is not news from the server (it was told as "the server said NOT_CONNECTED").
    expect(output).not.toContain('the server said');
    await eventually(() => room?.clients.length === 0, 'the bots gone from the room', 3_000);
  }, 40_000);

  it('exits with code 1 once the server has put every bot out of its room', async () => {
    const own = await startVehikillServer({});
    let child: ChildProcess | undefined;
    const done = runBots(['--url', own.wsUrl, '--count', '2'], (started) => {
      child = started;
    });
    try {
      let output = '';
      child?.stdout?.on('data', (data) => (output += data));
      // Playing, as the bots see it: every join answered (the room counts a bot before its answer is read).
      await eventually(() => output.includes('2 bots in room'), 'the bots playing', 20_000);
      await own.close();
      const exited = await Promise.race([done, sleep(8_000).then(() => undefined)]);
      expect(exited?.code).toBe(1);
      expect(exited?.output).toContain('no bot is in a room');
    } finally {
      // SIGTERM, which run-typescript passes on: a SIGKILL would kill the wrapper and leave the bots running.
      child?.kill('SIGTERM');
    }
  }, 40_000);
});
