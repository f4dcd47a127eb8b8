/** `npm run loadtest` as its user runs it: the real command line, in its own process. */
import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { runTool, type ToolRun } from '../support/tool-process.js';

const running = new Set<ChildProcess>();
const servers: TestServer[] = [];
const httpServers: Server[] = [];
afterEach(async () => {
  // SIGTERM, which scripts/run-typescript.mjs passes on: a SIGKILL would leave the load test itself running.
  for (const child of running) if (child.exitCode === null) child.kill('SIGTERM');
  running.clear();
  for (const server of httpServers.splice(0)) server.close();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** The lobby's chat room, its chat budget raised. */
class LoadChatRoom extends ChatRoom {
  static override chatBudget = { burst: 100, perSecond: 100 };
}

/** `npm run loadtest -- ...args` (as the script runs it). */
function loadtest(args: string[]): ToolRun {
  return runTool('bench/loadtest/main.ts', args, running);
}

describe('npm run loadtest, the command', () => {
  it('on Ctrl-C closes its clients, prints the summary of what ran and exits 130', async () => {
    const t = await startServer({ chat: LoadChatRoom });
    servers.push(t);
    const run = loadtest(['--url', t.wsUrl, '--rooms', '2', '--players', '2', '--seconds', '600']);
    await eventually(() => /seated 4\/4/.test(run.output()), 'every player seated', 30_000);
    expect(t.server.sessionCount).toBe(4);
    const stopped = Date.now();
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(Date.now() - stopped).toBeLessThan(3_000);
    const output = run.output();
    expect(output).toMatch(/summary \(interrupted by SIGINT after [\d.]+ s\)/);
    expect(output).toMatch(/seated now +4\/4/);
    expect(output).not.toMatch(/^\s+at /m);
    // Left, not dropped: the server does not keep their seats for the reconnect grace.
    await eventually(() => t.server.sessionCount === 0, 'the sessions ended', 2_000);
  }, 60_000);

  it('refuses a --url that is no URL or whose port is out of range with code 2 and a message, no stack', async () => {
    for (const url of ['ws://localhost:99999/ws', 'ws://[bad', 'ws://a b/ws']) {
      const run = loadtest(['--url', url, '--rooms', '1', '--players', '1']);
      expect((await run.exited).code, url).toBe(2);
      expect(run.output()).toContain(`--url must be a ws:// or wss:// URL, got ${JSON.stringify(url)}`);
      expect(run.output()).not.toMatch(/^\s+at /m);
    }
  }, 60_000);

  it('says at once, exit 3, that an HTTP server answering the upgrade with a 404 is no vehikill server', async () => {
    const http = createServer((_request, response) => response.writeHead(404).end('not here'));
    httpServers.push(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as { port: number };
    const url = `ws://127.0.0.1:${port}/ws`;
    const started = Date.now();
    const run = loadtest(['--url', url, '--rooms', '1', '--players', '1']);
    expect((await run.exited).code).toBe(3);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(run.output()).toContain(`${url}: not a vehikill server (HTTP 404 to the WebSocket upgrade)`);
  }, 30_000);

  it('says, exit 4, that a vehikill-net server refused its origin, and runs with --origin', async () => {
    const t = await startServer({ chat: LoadChatRoom }, { allowedOrigins: ['http://game.test'] });
    servers.push(t);
    const refused = loadtest(['--url', t.wsUrl, '--rooms', '1', '--players', '1']);
    expect((await refused.exited).code, refused.output()).toBe(4);
    expect(refused.output()).toContain(
      `${t.wsUrl}: a vehikill-net server that refuses this tool's origin (HTTP 403 HANDSHAKE_REJECTED: ` +
        'origin not allowed): it takes WebSocket upgrades only from the origins in its allowedOrigins ' +
        `option, and this tool sent none; give --origin one of them, e.g. its own game page's: ` +
        `--origin http://127.0.0.1:${t.port}`,
    );
    expect(refused.output()).not.toMatch(/not a vehikill server/);
    expect(refused.output()).not.toMatch(/^\s+at /m);
    const run = loadtest([
      ...['--url', t.wsUrl, '--rooms', '1', '--players', '2', '--seconds', '1'],
      ...['--origin', 'http://game.test'],
    ]);
    expect((await run.exited).code, run.output()).toBe(0);
    expect(run.output()).toMatch(/seated now +2\/2/);
  }, 60_000);

  it('exits 130 for a Ctrl-C during its opening check of the URLs, whatever they answer after', async () => {
    // A server that takes the upgrade's request and never answers: the check waits out its 3 s.
    const silent = createServer(() => {});
    httpServers.push(silent);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const run = loadtest(['--url', `ws://127.0.0.1:${port}/ws`, '--rooms', '1', '--players', '1']);
    await eventually(() => /checking /.test(run.output()), 'the check started', 20_000);
    run.child.kill('SIGINT');
    expect((await run.exited).code, run.output()).toBe(130);
    expect(run.output()).not.toMatch(/no server to load test/);
  }, 60_000);

  it('prints its usage for --help, exit 0', async () => {
    const run = loadtest(['--help']);
    expect((await run.exited).code).toBe(0);
    expect(run.output()).toMatch(/^usage: npm run loadtest/);
  }, 30_000);
});
