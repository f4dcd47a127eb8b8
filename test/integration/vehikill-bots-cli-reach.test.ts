/**
 * `npm run bots` where there is no game to play: nothing listening, a server that is not this game's, one
 * that never answers or one that goes away mid-play. Each ends with one line saying what and where, exit 1,
 * instead of running on, or ending silently, for ever.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { selfSignedCert } from '../support/self-signed.js';
import { eventually } from '../support/server.js';
import { runTool, type ToolRun } from '../support/tool-process.js';
import { startVehikillServer, type VehikillServer } from '../support/vehikill.js';

const running = new Set<ChildProcess>();
const closers: (() => unknown)[] = [];
afterEach(async () => {
  // SIGTERM, which scripts/run-typescript.mjs passes on: a SIGKILL would leave the bots themselves running.
  for (const child of running) if (child.exitCode === null) child.kill('SIGTERM');
  running.clear();
  for (const close of closers.splice(0).reverse()) await close();
});

/** `npm run bots -- ...args` as the script runs it. */
function bots(args: string[]): ToolRun {
  return runTool('game/bots/main.ts', args, running);
}

async function listening(server: Server): Promise<number> {
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** Exit 1 within `withinMs`, with a line naming the URL and matching `said`; no stack trace. */
async function givesUp(run: ToolRun, url: string, said: RegExp, withinMs: number) {
  const { code, ms } = await run.exited;
  expect(code, run.output()).toBe(1);
  expect(ms).toBeLessThan(withinMs);
  expect(run.output()).toContain(url);
  expect(run.output()).toMatch(said);
  expect(run.output()).not.toMatch(/^\s+at /m);
}

describe('npm run bots where there is no game', () => {
  it('says at once that nothing listens at the URL', async () => {
    const server = createServer();
    const port = await listening(server);
    await (closers.pop() as () => Promise<void>)(); // closed: the port is free, nothing listens
    const url = `ws://127.0.0.1:${port}/ws`;
    await givesUp(
      bots(['--url', url]),
      url,
      /bots: cannot play at .*: no answer: connect ECONNREFUSED/,
      10_000,
    );
  }, 30_000);

  it('says at once that a web server is not a vehikill server', async () => {
    const port = await listening(createHttpServer((_request, response) => response.writeHead(404).end()));
    const url = `ws://127.0.0.1:${port}/ws`;
    await givesUp(
      bots(['--url', url]),
      url,
      /not a vehikill server \(HTTP 404 to the WebSocket upgrade\)/,
      10_000,
    );
  }, 30_000);

  it('says at once that a TLS server has a certificate Node does not trust', async () => {
    const server = createHttpsServer(selfSignedCert());
    const port = await listening(server as unknown as Server);
    const url = `wss://127.0.0.1:${port}/ws`;
    await givesUp(bots(['--url', url]), url, /bots: cannot play at .*: no answer: .*certificate/, 10_000);
  }, 30_000);

  it('gives up on a server that takes the connection and never answers', async () => {
    const held: Socket[] = [];
    const port = await listening(createServer((socket) => held.push(socket)));
    closers.push(() => {
      for (const socket of held) socket.destroy();
    });
    const url = `ws://127.0.0.1:${port}/ws`;
    await givesUp(bots(['--url', url]), url, /no answer within 3000 ms/, 10_000);
  }, 30_000);

  it('gives up after --give-up seconds on a WebSocket server that never answers the join', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    closers.push(() => new Promise((resolve) => wss.close(resolve)));
    await new Promise((resolve) => wss.once('listening', resolve));
    const url = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/ws`;
    await givesUp(
      bots(['--url', url, '--give-up', '2']),
      url,
      /bots: no answer to the join from .* within 2 s; exiting/,
      15_000,
    );
  }, 30_000);
});

describe('npm run bots at a server that refuses its origin', () => {
  it('says the server refused the origin and how to give one, then plays with --origin', async () => {
    const server = await startVehikillServer({}, { allowedOrigins: ['http://game.test'] });
    closers.push(() => server.close());
    const pageOrigin = `http://127.0.0.1:${server.port}`;
    const none = bots(['--url', server.wsUrl]);
    await givesUp(
      none,
      server.wsUrl,
      new RegExp(
        "a vehikill-net server that refuses this tool's origin \\(HTTP 403 HANDSHAKE_REJECTED: origin not allowed\\): " +
          'it takes WebSocket upgrades only from the origins in its allowedOrigins option, and this tool sent none; ' +
          `give --origin one of them, e\\.g\\. its own game page's: --origin ${pageOrigin}`,
      ),
      10_000,
    );
    expect(none.output()).not.toMatch(/not a vehikill server/);
    await givesUp(
      bots(['--url', server.wsUrl, '--origin', 'http://other.test']),
      server.wsUrl,
      /and --origin http:\/\/other\.test is not one of them; give one that is/,
      10_000,
    );
    const run = bots(['--url', server.wsUrl, '--origin', 'http://game.test']);
    await eventually(() => /1\/1 connected \| 1 in room: /.test(run.output()), 'the bot playing', 30_000);
  }, 60_000);
});

describe('npm run bots when the server goes away without a word', () => {
  it('shows the bots reconnecting, not playing, and exits 1 after --give-up seconds', async () => {
    const server: VehikillServer = await startVehikillServer({});
    closers.push(() => server.close());
    // The bots reach the server through a proxy that can be cut, as a crash or a network failure would.
    const sockets: Socket[] = [];
    const proxy = createServer((client) => {
      const upstream = connect(server.port, '127.0.0.1');
      sockets.push(client, upstream);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    const port = await listening(proxy);
    const url = `ws://127.0.0.1:${port}/ws`;
    const run = bots(['--url', url, '--count', '2', '--give-up', '3']);
    await eventually(() => /2\/2 connected \| 2 in room: /.test(run.output()), 'the bots playing', 30_000);
    const cutAt = run.output().length;
    proxy.close();
    for (const socket of sockets) socket.destroy();
    await givesUp(run, url, /bots: .* has not answered for 3 s; exiting/, 30_000);
    const after = run.output().slice(cutAt);
    expect(after).toMatch(/0\/2 connected \(2 reconnecting\) \| no answer from the server/);
    expect(after).not.toMatch(/2\/2 connected/);
  }, 60_000);
});

describe('npm run bots over several rooms', () => {
  it('names every room the bots are in, and each room its match', async () => {
    const server: VehikillServer = await startVehikillServer({ quickPlayBots: 0 });
    closers.push(() => server.close());
    const run = bots(['--url', server.wsUrl, '--count', '10']);
    await eventually(() => /; \S+ 2 in room: /.test(run.output()), 'a status line', 40_000);
    const ids = server.rooms.map((room) => room.roomId);
    expect(ids).toHaveLength(2);
    expect(run.output()).toContain(`10 bots in 2 rooms: ${ids[0]}: 8 bots, ${ids[1]}: 2 bots`);
    expect(run.output()).toMatch(
      new RegExp(`${ids[0]} 8 in room: \\S+ \\S+ s left, \\d+ kills; ${ids[1]} 2 in room: `),
    );
  }, 60_000);
});

describe('npm run bots, the command line', () => {
  it('prints the usage for --help, exit 0', async () => {
    const run = bots(['--help']);
    expect((await run.exited).code).toBe(0);
    expect(run.output()).toMatch(/^usage: npm run bots/);
  }, 30_000);

  it('names --url and prints the usage for a URL that is none, exit 2', async () => {
    const run = bots(['--url', 'not a url']);
    expect((await run.exited).code).toBe(2);
    expect(run.output()).toMatch(/^--url "not a url" is not a server URL .*\nusage: npm run bots/);
  }, 30_000);
});
