import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Disposer } from '../../common/index.js';
import { ErrorCode } from '../../protocol/index.js';
import { refuse } from './socket-refusal.js';
import { upgradePath } from './upgrade-guard.js';

/** An app's own HTTP(S) server, which a GameServer shares (see `GameServer.attach`). */
export type AppServer = http.Server | https.Server;

/** Throws a TypeError unless `server` is a Node HTTP or HTTPS server (https.Server is no http.Server). */
export function checkAppServer(server: unknown): asserts server is AppServer {
  if (!(server instanceof http.Server) && !(server instanceof https.Server)) {
    throw new TypeError('attach(): expected an http.Server or https.Server, such as http.createServer(app)');
  }
}

/**
 * Hands `onUpgrade` the upgrades `server` gets on `path` (its query aside), and leaves every other path to
 * the app's own 'upgrade' listeners (a chat server of its own on '/chat'). Node hands an upgrade to the
 * 'request' handler only while no 'upgrade' listener exists: with ours there, an upgrade no other
 * listener takes would hang until the client gives up, so it is refused 404 instead. The disposer removes
 * the listener.
 */
export function routeUpgrades(
  server: AppServer,
  path: string,
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void,
): Disposer {
  const listener = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (upgradePath(req.url) === path) {
      onUpgrade(req, socket, head);
      return;
    }
    // Counted as the upgrade comes: the app may add its listeners after attaching.
    if (server.listenerCount('upgrade') > 1) return;
    socket.on('error', () => socket.destroy());
    refuse(socket, 404, ErrorCode.HANDSHAKE_REJECTED, 'no WebSocket endpoint here');
  };
  server.on('upgrade', listener);
  return () => server.off('upgrade', listener);
}

/** The wait for an app's server to listen: see `whenListening`. */
export interface ListeningWatch {
  readonly listening: Promise<void>;
  /** Ends the wait: `listening` rejects with `reason` (unless settled already), our listeners off `server`. */
  stop(reason: Error): void;
}

/**
 * Watches `server` until it listens: `listening` resolves then (at once if it does), and rejects with the
 * error its `listen` fails with, or as `stop` is called (the game closed first: an app server that never
 * listens would otherwise hold the wait, and our listeners on it, for good).
 */
export function whenListening(server: AppServer): ListeningWatch {
  if (server.listening) return { listening: Promise.resolve(), stop: () => {} };
  let stop: (reason: Error) => void = () => {};
  const listening = new Promise<void>((resolve, reject) => {
    const unwatch = () => {
      server.off('listening', listened);
      server.off('error', stop);
    };
    const listened = () => {
      unwatch();
      resolve();
    };
    stop = (reason: Error) => {
      unwatch();
      reject(reason);
    };
    server.once('listening', listened);
    server.once('error', stop);
  });
  return { listening, stop: (reason) => stop(reason) };
}
