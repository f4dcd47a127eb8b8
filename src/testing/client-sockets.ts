import { WebSocket } from 'ws';
import type { Client } from '../client/index.js';

/** The socket a kit's client connects through now, by client: what `dropConnection` cuts. */
const currentSockets = new WeakMap<Client, () => WebSocket | undefined>();

/** A `ws` WebSocket class of one client's own, and the last socket the client made with it. */
export interface RecordingWebSocket {
  readonly WebSocket: new (address: string) => WebSocket;
  current(): WebSocket | undefined;
}

/**
 * A subclass of `ws`'s WebSocket per client, so that each kit client's sockets are told apart without
 * reaching into the client: it makes a new one for each (re)connect, and the last one made is the live one.
 */
export function recordingWebSocket(): RecordingWebSocket {
  let last: WebSocket | undefined;
  class RecordedWebSocket extends WebSocket {
    constructor(address: string) {
      super(address);
      last = this;
    }
  }
  return { WebSocket: RecordedWebSocket, current: () => last };
}

/** Remembers where `client`'s current socket is found. */
export function rememberSockets(client: Client, current: () => WebSocket | undefined): void {
  currentSockets.set(client, current);
}

/** Where `client`'s current socket is found: undefined for a client the kit does not know the sockets of. */
export function socketsOf(client: Client): (() => WebSocket | undefined) | undefined {
  return currentSockets.get(client);
}
