import net from 'node:net';

/**
 * A loopback TCP proxy in front of a server, to break connections the way networks do: `dropAll()`
 * resets every connection mid-stream; `freeze()` keeps sockets open but forwards nothing (a server that
 * stops answering without closing); `freezeOpen()` does that to the connections open now only, as a
 * network switch leaves the old path (new connections flow); `stallDownstream()` applies back-pressure
 * instead (a slow link).
 */
export class TcpProxy {
  readonly #server: net.Server;
  readonly #pairs = new Set<{ client: net.Socket; upstream: net.Socket; frozen: boolean }>();
  #frozen = false;
  #blocked = false;
  port = 0;
  drops = 0;

  constructor(private readonly targetPort: number) {
    this.#server = net.createServer((client) => this.#accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as net.AddressInfo).port;
    return this.port;
  }

  get connections(): number {
    return this.#pairs.size;
  }

  /** Resets every open connection (both directions lose whatever was in flight). */
  dropAll(): void {
    for (const pair of this.#pairs) {
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
    }
    this.#pairs.clear();
    this.drops++;
  }

  /** Refuses new connections and drops open ones until `unblock()`: the network is gone. */
  block(): void {
    this.#blocked = true;
    this.dropAll();
  }

  unblock(): void {
    this.#blocked = false;
  }

  freeze(): void {
    this.#frozen = true;
  }

  thaw(): void {
    this.#frozen = false;
  }

  /** The connections open now forward nothing more, in either direction, and stay open; new ones flow. */
  freezeOpen(): void {
    for (const pair of this.#pairs) pair.frozen = true;
  }

  /**
   * Stops reading what the server sends (and so stops passing it on) without dropping anything: the
   * server's socket backs up, as towards a client on a slow link. `release()` lets it flow again.
   */
  stallDownstream(): void {
    for (const pair of this.#pairs) pair.upstream.pause();
  }

  release(): void {
    for (const pair of this.#pairs) pair.upstream.resume();
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    if (this.#blocked) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream, frozen: false };
    this.#pairs.add(pair);
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk) => {
        if (!this.#frozen && !pair.frozen && !to.destroyed) to.write(chunk);
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }
}
