import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { pageOriginOf } from './origin.js';

/**
 * HTTP answers to a WebSocket upgrade by which a vehikill-net server refuses it for now (too many
 * connections from the address, 429; a proxy's 503 while the server restarts): a server is there, and a
 * client retries. Any other answer but the upgrade (101) means nothing at this URL takes game clients.
 */
const REFUSED_FOR_NOW = new Set([429, 503]);
/** The most of a refusal's body read: a vehikill-net server's `{code, message}` is far shorter. */
const MAX_BODY_BYTES = 4_096;

/** Why a URL is no server to connect to: one line, and whether a vehikill-net server refused the Origin. */
export interface Unreachable {
  readonly why: string;
  /**
   * A vehikill-net server answered, and refused the upgrade for its Origin header (none, or one not in
   * its `allowedOrigins`): 403 with `HANDSHAKE_REJECTED`, the only 403 it gives an upgrade
   * (docs/protocol.md). Sending an allowed origin (`--origin`) is the fix, not another URL.
   */
  readonly originRefused: boolean;
}

export interface ReachOptions {
  /** Sent as the upgrade's Origin header (`--origin`); none by default, as Node sends none. */
  readonly origin?: string | undefined;
  readonly timeoutMs?: number;
}

/**
 * Why `url` is no vehikill-net server to connect to, or undefined when one answered the WebSocket
 * upgrade (accepted it, or refused it for now: see REFUSED_FOR_NOW). Else one line: `no answer: connect
 * ECONNREFUSED 127.0.0.1:8080`, `no answer within 3000 ms`, `no answer: self-signed certificate`, `not
 * a vehikill server (HTTP 404 to the WebSocket upgrade)`, or, from a server that refuses the Origin sent,
 * what it allows and the `--origin` to give. One socket, opened and closed at once: a client would
 * instead retry with backoff for half a minute, or for ever, on an address nobody serves.
 * Shared by `npm run bots` and `npm run loadtest`.
 */
export function unreachableBecause(
  url: string,
  options: ReachOptions = {},
): Promise<Unreachable | undefined> {
  const { origin, timeoutMs = 3_000 } = options;
  return new Promise((resolve) => {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, [], origin === undefined ? {} : { origin });
    } catch (error) {
      const why = `not a WebSocket URL: ${error instanceof Error ? error.message : String(error)}`;
      resolve({ why, originRefused: false });
      return;
    }
    let settled = false;
    const done = (answer: Unreachable | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => {}); // a late error of the socket we give up on
      socket.terminate();
      resolve(answer);
    };
    const fails = (why: string) => done({ why, originRefused: false });
    const timer = setTimeout(() => fails(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('open', () => done(undefined));
    socket.once('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      const notVehikill = `not a vehikill server (HTTP ${status} to the WebSocket upgrade)`;
      if (status !== 403) {
        response.resume();
        done(REFUSED_FOR_NOW.has(status) ? undefined : { why: notVehikill, originRefused: false });
        return;
      }
      void readBody(response).then((body) => {
        const refusal = originRefusal(body);
        if (refusal === undefined) fails(notVehikill);
        else done({ why: originRefusedText(url, origin, refusal), originRefused: true });
      });
    });
    socket.once('error', (error) => fails(`no answer: ${error.message || String(error)}`));
  });
}

/** What the server said (`HANDSHAKE_REJECTED: origin not allowed`) when a 403's body is a vehikill-net refusal. */
function originRefusal(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const { code, message } = (parsed ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'HANDSHAKE_REJECTED') return undefined;
  // Printed on the operator's terminal: no control characters, and short.
  const said = typeof message === 'string' ? message.replace(/[\p{Cc}]/gu, ' ').slice(0, 200) : '';
  return said === '' ? code : `${code}: ${said}`;
}

function originRefusedText(url: string, origin: string | undefined, said: string): string {
  const page = pageOriginOf(url);
  const example = page === undefined || page === origin ? '' : `e.g. its own game page's: --origin ${page}`;
  const head =
    `a vehikill-net server that refuses this tool's origin (HTTP 403 ${said}): it takes WebSocket ` +
    'upgrades only from the origins in its allowedOrigins option, and ';
  if (origin === undefined)
    return `${head}this tool sent none; give --origin one of them${example ? `, ${example}` : ''}`;
  return (
    `${head}--origin ${origin} is not one of them; give one that is${example ? ` (${example})` : ''}, ` +
    "or have the server's operator add it"
  );
}

/** The body of a refusal, at most MAX_BODY_BYTES of it; what came, if the connection fails first. */
function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = () => resolve(Buffer.concat(chunks).toString('utf8'));
    response.on('data', (chunk: Buffer) => {
      if (length >= MAX_BODY_BYTES) return;
      chunks.push(chunk);
      length += chunk.length;
    });
    response.once('end', finish);
    response.once('error', finish);
    response.once('close', finish);
  });
}
