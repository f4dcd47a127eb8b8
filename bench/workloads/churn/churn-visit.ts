/**
 * One visit of two players to a server, every way a visit can end: what the churn-memory workload repeats
 * thousands of times. The room has a schema'd state (a RoomSync with an entity per member) and a chat.
 */
import * as v from 'valibot';
import { Channel, Client, SyncedState } from 'vehikill-net/client';
import { type GameServer, Room, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { WebSocket } from 'ws';

const Dot = entity('dot', { x: int({ min: 0, max: 1_000 }), y: int({ min: 0, max: 1_000 }) });
const TICK_MS = 50;

/** Chat, and a dot per member that moves every tick, sent to every member over its server link. */
export class ChurnRoom extends Room {
  #sync!: RoomSync;
  readonly #dots = new Map<string, number>();
  #tick = 0;

  override onCreate(options: unknown): void {
    // Quick play finds the room by its lane: the two players of a visit meet, visits at once do not.
    const parsed = v.parse(v.object({ lane: v.optional(v.number()) }), options ?? {});
    if (parsed.lane !== undefined) this.setMetadata({ lane: parsed.lane });
    this.setMaxClients(8);
    this.#sync = new RoomSync(this, { types: [Dot], rateHz: 1_000 / TICK_MS });
    this.onMessage('chat', v.object({ text: v.string() }), (client, { text }) =>
      this.broadcast('chat', { from: client.name, text }),
    );
    this.clock.setInterval(() => {
      this.#tick++;
      for (const id of this.#dots.values()) this.#sync.world.update(id, Dot, { x: this.#tick % 1_000, y: 1 });
      this.#sync.flush(this.#tick);
    }, TICK_MS);
  }

  override onJoin(client: RoomClient): void {
    this.#dots.set(client.playerId, this.#sync.world.spawn(Dot, { x: 0, y: 0 }));
  }

  override onLeave(client: RoomClient): void {
    const id = this.#dots.get(client.playerId);
    if (id !== undefined) this.#sync.world.remove(id);
    this.#dots.delete(client.playerId);
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.#sync.receive(client, channel, bytes);
  }
}

/** A player whose socket can be cut without a close frame, and kept from coming back for a while. */
class Player {
  readonly client: Client;
  #socket: WebSocket | undefined;
  #away = false;

  constructor(server: GameServer, url: string) {
    const player = this;
    this.client = new Client({
      url,
      token: server.issueGuestToken('churn'),
      backoff: { baseMs: 10, maxMs: 50 },
      WebSocket: class CuttableSocket extends WebSocket {
        constructor(target: string) {
          // While away, attempts go to a port nobody listens on (port 1), as from a dead network.
          super(player.#away ? 'ws://127.0.0.1:1/ws' : target);
          player.#socket = this;
        }
      },
    });
  }

  /** Drops the socket as a dead network would (no close frame); `awayMs` keeps the player away that long. */
  async cut(awayMs: number): Promise<void> {
    this.#away = awayMs > 0;
    this.#socket?.terminate();
    if (awayMs > 0) await sleep(awayMs);
    this.#away = false;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A step of a visit that must end within 10 s: a visit that hangs names the step it hung on. */
async function step<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`churn visit: no ${what} within 10 s`)), 10_000);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(what: string, done: () => boolean): Promise<void> {
  await step(
    what,
    (async () => {
      while (!done()) await sleep(5);
    })(),
  );
}

function next<T>(subscribe: (resolve: (value: T) => void) => () => void): Promise<T> {
  return new Promise<T>((resolve) => {
    const dispose = subscribe((value) => {
      dispose();
      resolve(value);
    });
  });
}

/** How the visit ends: closes, leaves, drops and resumes, or drops past the grace and starts over. */
export type VisitEnd = 'close' | 'leave' | 'resume' | 'expire';
export const VISIT_ENDS: readonly VisitEnd[] = ['close', 'leave', 'resume', 'expire'];

/**
 * Two players: the first makes a room (public, found by quick play, or private), the second joins it
 * (quick play, or the private code). Both sync its state, chat, and send each other peer data through the
 * mesh's relay and datagrams on their server links (TCP mode); then the visit ends as `end` says.
 * `graceMs`: the server's, so that an 'expire' stays away past it; `lane`: no two visits going on at
 * once have the same, so that a quick play finds the room of its own visit.
 */
export async function visit(
  server: GameServer,
  url: string,
  end: VisitEnd,
  options: { graceMs: number; lane: number },
): Promise<void> {
  const host = new Player(server, url);
  const guest = new Player(server, url);
  try {
    await step('connect', Promise.all([host.client.connect(), guest.client.connect()]));
    const priv = end === 'leave' || end === 'expire';
    const lane = { filter: { lane: options.lane }, options: { lane: options.lane } };
    const hostRoom = await step(
      'host seated',
      priv ? host.client.create('churn', { private: true }) : host.client.quickPlay('churn', lane),
    );
    const guestRoom = await step(
      'guest seated',
      priv ? guest.client.joinByCode(hostRoom.code as string) : guest.client.quickPlay('churn', lane),
    );
    const states = [host, guest].map(({ client }) => new SyncedState(client.serverLink, { types: [Dot] }));
    const hostMesh = hostRoom.mesh({ rtc: false });
    const guestMesh = guestRoom.mesh({ rtc: false });
    const relayed = next<unknown>((resolve) =>
      guestMesh.on('message', ({ channel }) => channel === Channel.dispatch && resolve(undefined)),
    );
    const chatted = next<unknown>((resolve) => guestRoom.onMessage('chat', resolve));
    const guestId = guest.client.playerId as string;
    await until('link to the guest in the host mesh', () => hostMesh.link(guestId) !== undefined);
    hostMesh.send(guestId, Channel.dispatch, new Uint8Array([1, 2, 3]));
    guestMesh.broadcast(Channel.phys, new Uint8Array([4]));
    hostRoom.send('chat', { text: 'hello' });
    host.client.serverLink.send(Channel.dispatch, new Uint8Array([5]));
    await step('relayed dispatch', relayed);
    await step('chat', chatted);
    await until('synced state', () => states.every((state) => state.size >= 2));
    for (const state of states) state.dispose();
    if (end === 'leave') await step('leave', Promise.all([hostRoom.leave(), guestRoom.leave()]));
    if (end === 'resume') {
      const back = next((resolve) => guest.client.on('reconnect', resolve));
      await guest.cut(0);
      await step('resume', back);
    }
    if (end === 'expire') {
      const expired = next((resolve) => guest.client.on('session-expired', resolve));
      await guest.cut(options.graceMs + 200);
      await step('session-expired', expired);
    }
  } finally {
    await Promise.all([host.client.close(), guest.client.close()]);
  }
}
