import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import Fastify from 'fastify';
import { Client } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import { GameServer, type GameServerOptions } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { exchangeRaw, rawAnswers } from '../support/raw-http.js';
import { selfSignedCert } from '../support/self-signed.js';
import { eventually } from '../support/server.js';
import { TimerLogClock } from '../support/timer-log-clock.js';
import { onUpgradeRefused } from '../support/upgrade-refusal.js';
import { TestRoom } from './rooms-fixtures.js';

type Next = () => void;
type Handler = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

/** What the app answers itself: its own route, and its own 404 for everything no handler took. */
const hello: Handler = (req, res, next) => {
  if (req.url !== '/api/hello') return next();
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello from the app');
};
const appNotFound = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('the app has nothing here');
};

/** A Connect-style chain: the game's middleware first, then the app's own route, then the app's 404. */
function appHandler(game: GameServer): (req: IncomingMessage, res: ServerResponse) => void {
  const chain: Handler[] = [game.middleware(), hello];
  return (req, res) => {
    const run = (at: number): void => {
      const handler = chain[at];
      if (handler === undefined) appNotFound(req, res);
      else handler(req, res, () => run(at + 1));
    };
    run(0);
  };
}

/** A plain Node app running that chain. */
function appServer(game: GameServer): http.Server {
  return http.createServer(appHandler(game));
}

const games: GameServer[] = [];
const apps: (http.Server | https.Server)[] = [];
const clients: Client[] = [];
const sockets: WebSocket[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  for (const client of clients.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.terminate();
  await Promise.all(games.splice(0).map((game) => game.close({ drainMs: 0 })));
  for (const app of apps.splice(0)) {
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  }
});

function game(options: GameServerOptions = {}): GameServer {
  const server = new GameServer({ heartbeatMs: 1_000, ...options }).define('test', TestRoom);
  games.push(server);
  return server;
}

/** A staticDir holding the game's page, index.html. */
function pageDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vehikill-attach-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.html'), '<p>the game</p>');
  return dir;
}

function listening(app: http.Server | https.Server): Promise<number> {
  apps.push(app);
  return new Promise((resolve) =>
    app.listen(0, '127.0.0.1', () => resolve((app.address() as AddressInfo).port)),
  );
}

/** A client with no token of its own: it asks the server's /auth/guest for one, as a browser game does. */
function client(wsUrl: string): Client {
  const made = new Client({ url: wsUrl, WebSocket, backoff: { baseMs: 20, maxMs: 200 } });
  clients.push(made);
  return made;
}

/** Two players who fetch their guest tokens, meet in a room at `wsUrl` and chat: `text` arrives. */
async function chatsInARoom(wsUrl: string, text: string): Promise<void> {
  const [alice, bob] = [client(wsUrl), client(wsUrl)];
  await Promise.all([alice.connect(), bob.connect()]);
  const room = await alice.create('test');
  const joined = await bob.join(room.roomId);
  const heard: unknown[] = [];
  room.onMessage('chat', (data) => heard.push(data));
  joined.send('chat', { text });
  await eventually(() => heard.length === 1, 'chat delivered');
  expect(heard[0]).toEqual({ from: bob.playerId, text });
}

async function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, agent === undefined ? {} : { agent }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

type Upgrade = { open: true; socket: WebSocket } | { open: false; status: number | undefined; body: string };

function upgrade(url: string): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    sockets.push(socket);
    socket.once('open', () => resolve({ open: true, socket }));
    onUpgradeRefused(socket, (status, body) => resolve({ open: false, status, body }));
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** A UDP port nothing holds right now on loopback. */
async function freeUdpPort(): Promise<number> {
  const probe = createSocket('udp4');
  await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(resolve));
  return port;
}

/** Starts `server` on `port` of loopback: on its own server, or attached to an app's that listens there. */
function startOn(server: GameServer, mode: 'attach' | 'listen', port: number): Promise<unknown> {
  if (mode === 'listen') return server.listen(port);
  const app = appServer(server);
  const attached = server.attach(app);
  app.listen(port, '127.0.0.1');
  return attached;
}

function listenerCounts(server: http.Server): number[] {
  return (['upgrade', 'request', 'connection'] as const).map((event) => server.listenerCount(event));
}

describe('GameServer.attach: the game on the app’s own HTTP server', () => {
  it('serves guest tokens, rooms and messages beside the app’s routes, and leaves the rest to the app', async () => {
    const server = game();
    const app = appServer(server);
    const port = await listening(app);
    const { wsUrl, httpUrl } = await server.attach(app);
    expect(wsUrl).toBe(`ws://127.0.0.1:${port}/ws`);
    expect(httpUrl).toBe(`http://127.0.0.1:${port}`);

    await chatsInARoom(wsUrl, 'over the app’s port');

    expect(await get(`${httpUrl}/api/hello`)).toEqual({ status: 200, body: 'hello from the app' });
    expect(await get(`${httpUrl}/healthz`)).toMatchObject({ status: 200 });
    // Not the game's 404: the app's own.
    expect(await get(`${httpUrl}/no/such/page`)).toEqual({ status: 404, body: 'the app has nothing here' });
    // A dashboard that is off is not the game's route either.
    expect(await get(`${httpUrl}/dashboard`)).toEqual({ status: 404, body: 'the app has nothing here' });
  });

  it('runs as an Express middleware: the game’s routes and rooms, the app’s routes and its 404', async () => {
    const server = game();
    const app = express();
    app.use(server.middleware());
    app.get('/api/hello', (_req, res) => {
      res.json({ hello: 'from the app' });
    });
    app.use((_req, res) => {
      res.status(404).send('express has nothing here');
    });
    const httpServer = http.createServer(app);
    await listening(httpServer);
    const { wsUrl, httpUrl } = await server.attach(httpServer);
    // The client fetches its guest token from /auth/guest through Express, as a page would.
    const player = client(wsUrl);
    await player.connect();
    const room = await player.create('test');
    expect(room.roomId).toBeTruthy();
    expect(await get(`${httpUrl}/api/hello`)).toEqual({ status: 200, body: '{"hello":"from the app"}' });
    expect(await get(`${httpUrl}/healthz`)).toMatchObject({ status: 200 });
    expect(await get(`${httpUrl}/elsewhere`)).toEqual({ status: 404, body: 'express has nothing here' });
  });

  it('runs under Fastify as docs/server.md shows: rooms and its routes on one port, then a clean close', async () => {
    const server = game();
    const app = Fastify();
    apps.push(app.server); // closed by afterEach should the test stop before it closes the app itself
    // Before Fastify routes and parses the body: the game reads its own requests from the raw ones.
    app.addHook('onRequest', async (request, reply) => {
      if (server.handleRequest(request.raw, reply.raw)) reply.hijack();
    });
    app.get('/api/hello', async () => ({ hello: 'from the app' }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { wsUrl, httpUrl, port } = await server.attach(app.server);
    expect(port).toBe((app.server.address() as AddressInfo).port);

    await chatsInARoom(wsUrl, 'through fastify');
    expect(await get(`${httpUrl}/api/hello`)).toEqual({ status: 200, body: '{"hello":"from the app"}' });
    expect(await get(`${httpUrl}/healthz`)).toMatchObject({ status: 200 });
    // Fastify's own 404, not the game's.
    const elsewhere = await get(`${httpUrl}/elsewhere`);
    expect(elsewhere.status).toBe(404);
    expect(JSON.parse(elsewhere.body)).toMatchObject({ message: 'Route GET:/elsewhere not found' });

    // The game first, as the docs say: Fastify's close waits for every connection of its server, the
    // game's WebSockets included. Then the app's routes still answer, and the app closes with nothing held.
    await server.close({ drainMs: 0 });
    expect(await get(`${httpUrl}/api/hello`)).toMatchObject({ status: 200 });
    expect((await get(`${httpUrl}/healthz`)).status).toBe(404);
    await app.close();
    expect(app.server.listening).toBe(false);
  });

  it('answers an upgrade on another path 404 when the app has no listener for it', async () => {
    const server = game();
    const port = await listening(appServer(server));
    await server.attach(apps[0] as http.Server);
    const answer = await upgrade(`ws://127.0.0.1:${port}/elsewhere`);
    expect(answer).toMatchObject({ open: false, status: 404 });
    if (!answer.open) expect(JSON.parse(answer.body).code).toBe(ErrorCode.HANDSHAKE_REJECTED);
  });

  it('serves files of staticDir, and leaves paths with no file to the app', async () => {
    const server = game({ staticDir: pageDir() });
    const port = await listening(appServer(server));
    await server.attach(apps[0] as http.Server);
    expect(await get(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: '<p>the game</p>' });
    expect(await get(`http://127.0.0.1:${port}/index.html`)).toMatchObject({ status: 200 });
    expect(await get(`http://127.0.0.1:${port}/missing.js`)).toEqual({
      status: 404,
      body: 'the app has nothing here',
    });
  });

  it('bounds the game’s requests in progress on a connection, as on its own server', async () => {
    const server = game({ staticDir: pageDir() });
    const port = await listening(appServer(server));
    await server.attach(apps[0] as http.Server);
    const { text, closed } = await exchangeRaw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(500));
    const answers = rawAnswers(text);
    expect(answers.find((answer) => answer.status !== 200)?.status).toBe(429);
    expect(answers.length).toBeLessThan(500);
    expect(closed).toBe(true);
  });

  it('keeps the app’s own ws server on /chat working beside the game’s /ws', async () => {
    const server = game();
    const app = appServer(server);
    // The app's chat, routed by path as ws recommends for servers that share one HTTP server.
    const chat = new WebSocketServer({ noServer: true });
    chat.on('connection', (socket) => socket.on('message', (data) => socket.send(`chat: ${String(data)}`)));
    app.on('upgrade', (req, socket, head) => {
      if (req.url !== '/chat') return;
      chat.handleUpgrade(req, socket, head, (ws) => chat.emit('connection', ws, req));
    });
    const port = await listening(app);
    const { wsUrl } = await server.attach(app);

    const player = client(wsUrl);
    await player.connect();
    const room = await player.create('test');
    const chatter = await upgrade(`ws://127.0.0.1:${port}/chat`);
    if (!chatter.open) throw new Error(`chat refused: ${chatter.status}`);
    const said = new Promise<string>((resolve) =>
      chatter.socket.once('message', (data) => resolve(String(data))),
    );
    chatter.socket.send('hi');
    expect(await said).toBe('chat: hi');
    // The game's socket is still the game's: its room answers.
    const echoed = new Promise<unknown>((resolve) => room.onMessage('echo', resolve));
    room.send('echo', { still: 'here' });
    expect(await echoed).toEqual({ still: 'here' });
    chat.close();
  });

  it('attached before the app listens, resolves with the URLs it is bound to once it does', async () => {
    const server = game();
    const app = appServer(server);
    const attached = server.attach(app);
    const port = await listening(app);
    const { port: bound, wsUrl } = await attached;
    expect(bound).toBe(port);
    expect(wsUrl).toBe(`ws://127.0.0.1:${port}/ws`);
    const player = client(wsUrl);
    await player.connect();
    expect(player.playerId).toBeTruthy();
  });

  it('close() tells the players, takes its listeners off and leaves the app serving', async () => {
    const server = game();
    const app = appServer(server);
    const before = listenerCounts(app);
    const port = await listening(app);
    const { wsUrl } = await server.attach(app);
    const player = client(wsUrl);
    await player.connect();
    const room = await player.create('test');
    const left: string[] = [];
    room.on('leave', ({ reason }) => left.push(reason));
    const closed: string[] = [];
    player.on('closed', ({ code }) => closed.push(code));

    await server.close({ drainMs: 0 });
    expect(left).toEqual([ErrorCode.SERVER_SHUTTING_DOWN]);
    await eventually(() => closed.length === 1, 'the player closed');
    expect(closed).toEqual([ErrorCode.SERVER_SHUTTING_DOWN]);
    expect(listenerCounts(app)).toEqual(before);
    expect(app.listening).toBe(true);
    expect(await get(`http://127.0.0.1:${port}/api/hello`)).toEqual({
      status: 200,
      body: 'hello from the app',
    });
    // The game's routes are gone with it: the app answers them.
    expect(await get(`http://127.0.0.1:${port}/healthz`)).toEqual({
      status: 404,
      body: 'the app has nothing here',
    });
  });

  it('counts maxConnectionsPerAddress at the WebSocket, not the app’s HTTP connections', async () => {
    const server = game({ maxConnectionsPerAddress: 2 });
    const port = await listening(appServer(server));
    await server.attach(apps[0] as http.Server);
    // Five HTTP connections of the app's, held open meanwhile.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 5 });
    const many = await Promise.all(
      Array.from({ length: 5 }, () => get(`http://127.0.0.1:${port}/api/hello`, agent)),
    );
    expect(many.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    const url = () => `ws://127.0.0.1:${port}/ws?token=${server.issueGuestToken()}`;
    expect((await upgrade(url())).open).toBe(true);
    expect((await upgrade(url())).open).toBe(true);
    const third = await upgrade(url());
    expect(third).toMatchObject({ open: false, status: 429 });
    if (!third.open) expect(JSON.parse(third.body).code).toBe(ErrorCode.RATE_LIMITED);
    // The app's requests on new connections still pass, with the game's WebSockets at their bound.
    expect(await get(`http://127.0.0.1:${port}/api/hello`)).toMatchObject({ status: 200 });
    agent.destroy();
  });

  it('on an https.Server, names https and wss URLs and gives the dashboard a Secure cookie', async () => {
    const adminToken = 'an-admin-token-of-the-app';
    const server = game({ adminToken });
    const app = https.createServer(selfSignedCert(), appHandler(server));
    const port = await listening(app);
    const { httpUrl, wsUrl } = await server.attach(app);
    expect(httpUrl).toBe(`https://127.0.0.1:${port}`);
    expect(wsUrl).toBe(`wss://127.0.0.1:${port}/ws`);
    const setCookie = await new Promise<string | undefined>((resolve, reject) => {
      https
        .get(`${httpUrl}/dashboard?token=${adminToken}`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.headers['set-cookie']?.join('\n'));
        })
        .on('error', reject);
    });
    expect(setCookie).toMatch(/; Secure/);
  });

  it('rejects with the app server’s own error when it fails to listen, and leaves no listener on it', async () => {
    const taken = await listening(http.createServer());
    const server = game();
    const app = appServer(server);
    const before = listenerCounts(app);
    const attached = server.attach(app);
    app.listen(taken, '127.0.0.1');
    await expect(attached).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(listenerCounts(app)).toEqual(before);
    expect(app.listenerCount('error')).toBe(0);
  });

  it('close() called while attach() starts: attach rejects, and leaves no listener on the app server', async () => {
    const server = game();
    const app = appServer(server);
    await listening(app);
    const before = listenerCounts(app);
    const attached = server.attach(app);
    // Done before attach's services have started (the server link binds its UDP socket meanwhile).
    await server.close({ drainMs: 0 });
    await expect(attached).rejects.toThrow('this GameServer was closed before its server listened');
    // The app's upgrades are the app's again: none goes to a game that has closed.
    expect(listenerCounts(app)).toEqual(before);
  });

  it('close() called while attach() waits for the app server to listen: attach rejects then', async () => {
    const server = game();
    const app = appServer(server);
    apps.push(app);
    const before = [...listenerCounts(app), app.listenerCount('listening'), app.listenerCount('error')];
    let outcome = 'pending';
    server.attach(app).then(
      () => {
        outcome = 'attached';
      },
      (error: Error) => {
        outcome = error.message;
      },
    );
    await eventually(() => app.listenerCount('upgrade') === 1, 'the game on the app server');
    await server.close({ drainMs: 0 });
    // The app's server never listens (its start failed elsewhere): the attach still settles.
    await eventually(() => outcome !== 'pending', 'attach() to settle');
    expect(outcome).toContain('this GameServer was closed before its server listened');
    expect([...listenerCounts(app), app.listenerCount('listening'), app.listenerCount('error')]).toEqual(
      before,
    );
  });

  // As a failed listen(): both leave nothing running, and the app may try again with a new GameServer.
  it.each(['attach', 'listen'] as const)(
    'a failed %s() stops what it started: no timer waits, the next GameServer gets its UDP port',
    async (mode) => {
      const taken = await listening(http.createServer());
      const udpPort = await freeUdpPort();
      const serverLink = { bindAddress: '127.0.0.1', udpPort };
      const clock = new TimerLogClock();
      const server = game({ clock, serverLink });
      await expect(startOn(server, mode, taken)).rejects.toMatchObject({ code: 'EADDRINUSE' });
      // The metrics' sampling and the handshake pacer's timers are gone with it.
      expect(clock.pendingTotal()).toBe(0);
      // The app starts again on a free port with a new GameServer: the old one let the UDP port go.
      const next = game({ serverLink });
      const port = await listening(appServer(next));
      expect((await next.attach(apps.at(-1) as http.Server)).port).toBe(port);
      expect(next.serverLinks.udpPort).toBe(udpPort);
      // Stopped for good, as after close(), which has nothing left to do.
      await server.close();
      await expect(server.listen(0)).rejects.toThrow(/failed to start and stopped/);
    },
  );

  it('refuses attach after listen, listen after attach, attach twice, and tls with attach', async () => {
    const listened = game();
    await listened.listen(0);
    await expect(listened.attach(http.createServer())).rejects.toThrow(/started by listen\(\)/);

    const attached = game();
    const app = http.createServer();
    await listening(app);
    await attached.attach(app);
    await expect(attached.listen(0)).rejects.toThrow(/attached to an app server/);
    await expect(attached.attach(app)).rejects.toThrow(/started by attach\(\)/);

    const closed = game();
    await closed.close({ drainMs: 0 });
    await expect(closed.attach(http.createServer())).rejects.toThrow(/was closed/);

    const secure = game({ tls: selfSignedCert() });
    await expect(secure.attach(http.createServer())).rejects.toThrow(/`tls` option/);
    await expect(game().attach({} as http.Server)).rejects.toThrow(TypeError);
  });
});
