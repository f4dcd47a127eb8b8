import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import { startServer, type TestServer } from './server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const webDir = `${root}dist/examples/lobby/web`;

/** The demo lobby served as `npm start` serves it, on a free port; bundles the page if needed. */
export async function startLobby(): Promise<TestServer> {
  if (!existsSync(`${webDir}/main.js`)) execFileSync('node', ['scripts/bundle-web.mjs'], { cwd: root });
  return startServer({ chat: ChatRoom }, { staticDir: webDir });
}
