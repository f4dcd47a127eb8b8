import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

/** A free loopback port (TCP; coturn listens on the same number for UDP). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Coturn {
  url: string;
  secret: string;
  stop(): Promise<void>;
}

/**
 * Starts coturn on loopback with time-limited (REST) credentials. `--allow-loopback-peers` is for tests
 * only: production must deny loopback and private peers (docs/operations.md).
 */
export async function startCoturn(): Promise<Coturn> {
  const port = await freePort();
  const minPort = 40_000 + Math.floor(Math.random() * 20_000);
  const secret = `turn-secret-${Math.random().toString(36).slice(2)}`;
  const child: ChildProcess = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 200}`,
      '--allow-loopback-peers',
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=test.local',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--log-file=stdout',
      '--simple-log',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 5_000;
  while (!/listener opened on|Total General servers/i.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`coturn did not start:\n${output.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
