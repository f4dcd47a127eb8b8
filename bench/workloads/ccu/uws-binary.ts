/**
 * uWebSockets.js, for the CCU benchmark's second floor ('bare-uws') only: loaded from the npm package
 * `@trufflesuite/uws-js-unofficial` (a repackaging with prebuilt binaries; uWebSockets.js itself is not on
 * the npm registry), which is not among the project's dependencies (its binaries for every platform are
 * over 100 MB) and is installed by hand for the run (see UWS_INSTALL). Its native binary is loaded
 * directly: the package's own entry falls back to a `ws`-based imitation when the binary will not load,
 * which would measure `ws` again under another name.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const UWS_PACKAGE = '@trufflesuite/uws-js-unofficial';
export const UWS_INSTALL = `npm install --no-save ${UWS_PACKAGE}@20.30.0-unofficial.0`;

/** The part of uWebSockets.js's API the floor server uses. */
export interface UwsSocket {
  send(message: ArrayBufferLike | Uint8Array, isBinary: boolean): number;
  end(code?: number): void;
}

export interface UwsApp {
  ws(
    pattern: string,
    behavior: {
      maxPayloadLength?: number;
      idleTimeout?: number;
      compression?: number;
      open?: (socket: UwsSocket) => void;
      message?: (socket: UwsSocket, message: ArrayBuffer, isBinary: boolean) => void;
      close?: (socket: UwsSocket) => void;
    },
  ): UwsApp;
  listen(host: string, port: number, done: (token: unknown) => void): UwsApp;
}

export interface Uws {
  App(): UwsApp;
  us_socket_local_port(token: unknown): number;
  us_listen_socket_close(token: unknown): void;
}

export function loadUws(): Uws {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve(UWS_PACKAGE);
  } catch {
    throw new Error(`the 'bare-uws' system needs uWebSockets.js: ${UWS_INSTALL}`);
  }
  const { platform, arch, versions } = process;
  const binary = join(dirname(entry), '..', 'binaries', `uws_${platform}_${arch}_${versions.modules}.node`);
  try {
    return require(binary) as Uws;
  } catch (error) {
    throw new Error(`uWebSockets.js has no binary for ${platform} ${arch}, Node ABI ${versions.modules}`, {
      cause: error,
    });
  }
}
