import { WebSocket } from 'ws';
import type { Client } from '../client/index.js';
import { ErrorCode, ProtocolError } from '../protocol/index.js';
import { socketsOf } from './client-sockets.js';

/**
 * Cuts `client`'s connection as a network failure does: no close frame, the TCP socket destroyed (`ws`'s
 * `terminate()`). The server sees the socket die, not a goodbye, so it holds the session for `graceMs`;
 * the client sees an abnormal close and reconnects by itself (a kit client within a fifth of a second),
 * resuming the session. Throws a TypeError for a client the kit did not make or that has a WebSocket of
 * the test's own, and NOT_CONNECTED for one that is not open or whose connection is closing already.
 */
export function dropConnection(client: Client): void {
  const current = socketsOf(client);
  if (current === undefined)
    throw new TypeError(
      "dropConnection cuts the connection of a client made by vehikill-net/testing (testClient, or a test game's client()) with the kit's own WebSocket; this one was made elsewhere or was given a WebSocket of its own",
    );
  const socket = current();
  if (client.state !== 'open')
    throw new ProtocolError(
      ErrorCode.NOT_CONNECTED,
      `dropConnection: the client is ${client.state}, not open: it has no connection to drop`,
    );
  // The client hears of a drop a turn later: until then it still reads 'open' over a closing socket.
  if (socket?.readyState !== WebSocket.OPEN)
    throw new ProtocolError(
      ErrorCode.NOT_CONNECTED,
      'dropConnection: the connection is closing already (dropped or closed just now): none to drop',
    );
  socket.terminate();
}
