import { WebSocket } from 'ws';

/**
 * Why `text` is no `--origin` a browser could send, or undefined: a server's `allowedOrigins` holds
 * origins as browsers send them (scheme, lowercase host, a port only when not the scheme's default), and
 * compares them as strings, so anything else would be refused whatever it lists.
 */
export function originProblem(text: string): string | undefined {
  let sent: string | undefined;
  try {
    sent = new URL(text).origin;
  } catch {
    sent = undefined;
  }
  if (sent === text) return undefined;
  return sent === undefined || sent === 'null'
    ? 'an origin is a scheme, a host and a port, e.g. https://game.example.com'
    : `write ${sent}, as browsers send it`;
}

/** The origin of the game page a server at the WebSocket URL `url` serves: ws://h:8080/ws -> http://h:8080. */
export function pageOriginOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') return undefined;
    parsed.protocol = parsed.protocol === 'wss:' ? 'https:' : 'http:';
    return parsed.origin;
  } catch {
    return undefined;
  }
}

/** A `ws` WebSocket class (for a Client's `WebSocket`) whose upgrades send `origin` as their Origin. */
export function sendingOrigin(
  origin: string,
  Base: new (...args: ConstructorParameters<typeof WebSocket>) => WebSocket = WebSocket,
): new (
  url: string,
) => WebSocket {
  return class extends Base {
    constructor(url: string) {
      super(url, [], { origin });
    }
  };
}
