import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from './coturn.js';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGTERM) and waits for it to exit. Idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence), after a `stop()`. */
  restart(): Promise<void>;
  /** SIGSTOP: Redis stands still with its connections open, as a stalled or frozen process does. */
  pause(): void;
  /** SIGCONT after `pause()`: keys whose time ran out meanwhile expire at once, by Redis's clock. */
  resume(): void;
}

/**
 * Starts a throwaway redis-server on a free loopback port with no persistence, and resolves once it
 * answers PING. The caller stops it; `restart()` brings it back on the same port (for outage tests).
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  /** Resolves once `child` has exited: listened for from its spawn, so that no exit goes unheard. */
  let exited: Promise<unknown> = Promise.resolve();
  const launch = async () => {
    const started = spawn(
      'redis-server',
      ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    started.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    started.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child = started;
    exited = new Promise((resolve) => started.once('exit', resolve));
    // Generous: a loaded machine (six test files at a time) has been seen to take seconds to start one.
    const deadline = Date.now() + 15_000;
    while (!(await answersPing(port))) {
      if (started.exitCode !== null || Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`redis-server did not start:\n${output.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  };
  await launch();
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running) return;
    // Gone already: an exit code, or the signal that killed it (then no exit code; its 'exit' came before,
    // and a listener put on only now, as here before, waited for ever).
    if (running.exitCode === null && running.signalCode === null) {
      running.kill('SIGTERM');
      // A paused (SIGSTOPped) server would keep the SIGTERM pending, and never exit.
      running.kill('SIGCONT');
    }
    await exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    async restart() {
      await stop();
      await launch();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}

/**
 * For a test file (or a describe block): one throwaway Redis started before its tests and stopped after
 * them, resumed first if a test left it paused (a SIGSTOPped server would not act on the SIGTERM). Call it
 * before the hooks that close what uses the server: after-hooks run in reverse order, so those close first.
 * Its members are the running server's, read inside tests and hooks.
 */
export function useRedis(): RedisServer {
  let redis: RedisServer | undefined;
  const started = (): RedisServer => {
    if (!redis) throw new Error('useRedis: the server starts in beforeAll');
    return redis;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    redis?.resume();
    await redis?.stop();
  });
  return {
    get url() {
      return started().url;
    },
    get port() {
      return started().port;
    },
    stop: () => started().stop(),
    restart: () => started().restart(),
    pause: () => started().pause(),
    resume: () => started().resume(),
  };
}

/** One raw PING over TCP: true when the server answers +PONG. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
