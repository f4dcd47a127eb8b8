import { bundleScript, JsonProcess } from './json-process.js';

/** What the server's 'count' room heard from each player, by player id ('say' messages passed, refused). */
export type StallCounts = Record<
  string,
  { inputs: number; datagrams: number; said: number; refused: number }
>;

/**
 * A stalling-server.ts of its own process, driven from a test: `stall(ms)` blocks that whole process (its
 * sockets go unread) while the test's clients go on.
 */
export class StallingServerProcess {
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly #process: JsonProcess;

  private constructor(process: JsonProcess, urls: { wsUrl: string; httpUrl: string }) {
    this.#process = process;
    this.wsUrl = urls.wsUrl;
    this.httpUrl = urls.httpUrl;
  }

  /** Starts one; `options`: GameServer options over the script's own (`serverLink` off). */
  static async start(options: Record<string, unknown> = {}): Promise<StallingServerProcess> {
    const process = new JsonProcess(await bundleScript('stalling-server.ts'), [JSON.stringify(options)]);
    return new StallingServerProcess(process, await process.next<{ wsUrl: string; httpUrl: string }>());
  }

  /**
   * Blocks the server process for `ms`: resolves once it stands still, with `over`, which resolves once it
   * answers again.
   */
  async stall(ms: number): Promise<{ over: Promise<unknown> }> {
    await this.#process.command({ stall: ms });
    return { over: this.#process.next(ms + 20_000) };
  }

  /** What the room counted of each player: 'input' messages, server-link datagrams, 'say' messages. */
  async counts(): Promise<StallCounts> {
    return (await this.#process.command<{ counts: StallCounts }>({ counts: true })).counts;
  }

  /** The server's counter `name`, summed over its labels. */
  async metric(name: string): Promise<number> {
    return (await this.#process.command<{ total: number }>({ metric: name })).total;
  }

  /** A guest token of this server's. */
  async guestToken(): Promise<string> {
    const answer = await fetch(`${this.httpUrl}/auth/guest`, { method: 'POST', body: '{}' });
    return ((await answer.json()) as { token: string }).token;
  }

  kill(): Promise<void> {
    return this.#process.kill();
  }
}
