/**
 * The server process of the CCU benchmark (pinned to core 0 by `PinnedProcess`): argv[2] is the server
 * under test. It starts it, says where to connect, and answers `mark` / `read` with its own load.
 */
import { LoadMeter } from './load-meter.js';
import { serveRequests } from './pinned-process.js';
import { startBareUwsServer } from './server-bare-uws.js';
import { startBareWsServer } from './server-bare-ws.js';
import { startColyseusServer } from './server-colyseus.js';
import { startOursServer } from './server-ours.js';
import type { ServerKind, ServerRequest } from './systems.js';

const kind = process.argv[2] as ServerKind;
const meter = new LoadMeter();
const server =
  kind === 'colyseus'
    ? await startColyseusServer(meter)
    : kind === 'bare-ws'
      ? await startBareWsServer(meter)
      : kind === 'bare-uws'
        ? await startBareUwsServer(meter)
        : await startOursServer(meter, kind === 'ours-link' ? 'link' : 'ws');

serveRequests<ServerRequest>(
  async (request) => {
    switch (request.op) {
      case 'mark':
        meter.mark();
        return {};
      case 'read':
        return meter.read();
      case 'close':
        await server.close();
        // node-datachannel's native threads can keep the process alive after every link closed.
        setTimeout(() => process.exit(0), 100);
        return {};
    }
  },
  { url: server.url },
);
