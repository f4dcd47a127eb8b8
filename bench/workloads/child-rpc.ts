/**
 * Request/reply over IPC with a benchmark's child process (its stand-in players, or a pinned server):
 * each request gets an id, the child answers `{ id, reply }` or `{ id, error }`, and a child that exits
 * fails whatever was pending. How the child is spawned, and how it says it is ready, is the caller's.
 */
import type { ChildProcess } from 'node:child_process';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ChildRpc<Request extends { op: string }> {
  readonly #child: ChildProcess;
  readonly #label: string;
  readonly #waiting = new Map<
    number,
    { resolve: (reply: unknown) => void; reject: (error: Error) => void }
  >();
  #next = 0;
  #exited = false;

  /** `label` names the child in errors ("client process", "pinned process"). */
  constructor(child: ChildProcess, label: string) {
    this.#child = child;
    this.#label = label;
    child.on('message', (message: { id?: number; reply?: unknown; error?: string }) => {
      if (message.id === undefined) return;
      const waiter = this.#waiting.get(message.id);
      this.#waiting.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`${label}: ${message.error}`));
      else waiter?.resolve(message.reply);
    });
    child.on('exit', (code, signal) => {
      this.#exited = true;
      for (const waiter of this.#waiting.values()) {
        waiter.reject(new Error(`${label} exited (${code ?? signal}) with a request pending`));
      }
      this.#waiting.clear();
    });
  }

  call<Reply>(request: Request): Promise<Reply> {
    if (this.#exited) return Promise.reject(new Error(`${this.#label} is gone`));
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (reply: unknown) => void, reject });
      this.#child.send({ id, request });
    });
  }

  /** Asks it to close (`{ op: 'close' }`), then kills it if it has not exited a few seconds later. */
  async close(closeRequest: Request, askMs: number): Promise<void> {
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()));
    await Promise.race([this.call(closeRequest).catch(() => undefined), sleep(askMs)]);
    const killer = setTimeout(() => this.#child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(killer);
  }
}
