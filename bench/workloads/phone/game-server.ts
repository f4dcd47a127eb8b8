/**
 * The game server as `npm start` runs it (dist/game/server/main.js: the page and the real rooms) in a
 * child process of its own, on a free port: its ticks do not share an event loop with the benchmark's
 * driver or its CDP traffic.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export interface GameServerProcess {
  /** The page's address: http://localhost:<port>. */
  url: string;
  close(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('../../../game/server/main.js', import.meta.url));

/** Waits for main's banner ("Vehikill: <url>") on stdout. */
function bannerUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /Vehikill: (http:\/\/\S+)/.exec(text);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) =>
      reject(new Error(`game server exited (${code}) before its banner:\n${text}`)),
    );
  });
}

export async function startGameServer(): Promise<GameServerProcess> {
  // DRAIN_MS=0: a SIGTERM ends the process at once instead of giving the match a minute.
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', DRAIN_MS: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await bannerUrl(child);
  return {
    url,
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
