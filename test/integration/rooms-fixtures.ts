import * as v from 'valibot';
import { type LeaveReason, Room, type RoomClient } from 'vehikill-net/server';

/** A small room used across integration tests: echo, chat, a seat limit and late-join state. */
export class TestRoom extends Room {
  readonly log: string[] = [];
  events: string[] = [];

  override onCreate(options: unknown): void {
    const parsed = v.parse(
      v.object({
        maxClients: v.optional(v.number()),
        mode: v.optional(v.string()),
        refuse: v.optional(v.boolean()),
        relayOnly: v.optional(v.boolean()),
      }),
      options ?? {},
    );
    if (parsed.maxClients !== undefined) this.setMaxClients(parsed.maxClients);
    if (parsed.mode !== undefined) this.setMetadata({ mode: parsed.mode });
    if (parsed.relayOnly) this.setPeerPrivacy('relay-only');
    this.onMessage('chat', v.object({ text: v.pipe(v.string(), v.maxLength(200)) }), (client, { text }) => {
      this.log.push(text);
      this.broadcast('chat', { from: client.playerId, text });
    });
    this.onMessage('echo', v.unknown(), (client, data) => client.send('echo', data));
    this.onMessage('kick', v.string(), (_client, playerId) => {
      const target = this.clients.find((client) => client.playerId === playerId);
      if (target) this.kick(target, 'kicked by a test');
    });
    this.onMessage('lock', v.boolean(), (_client, locked) => (locked ? this.lock() : this.unlock()));
  }

  override onJoin(client: RoomClient, options: unknown): void {
    const refuse = (options as { refuse?: boolean | string } | undefined)?.refuse;
    if (typeof refuse === 'string') throw new Error(refuse);
    if (refuse) throw new Error('not today');
    this.events.push(`join:${client.playerId}`);
  }

  override onLeave(client: RoomClient, reason: LeaveReason): void {
    this.events.push(`leave:${client.playerId}:${reason}`);
  }

  override stateFor(): unknown {
    return { log: [...this.log] };
  }
}

/**
 * A room whose `onCreate` starts a timer, then waits at a gate the test opens (`release`) or makes throw
 * (`fail`); once open, later creations pass straight through. `reset()` before each use.
 */
export class SlowCreateRoom extends Room {
  /** Creations whose `onCreate` has begun. */
  static started = 0;
  static ticks = 0;
  static disposed = 0;
  static release: () => void = () => {};
  static fail: (error: Error) => void = () => {};
  static #gate: Promise<void> = Promise.resolve();

  static reset(): void {
    SlowCreateRoom.started = 0;
    SlowCreateRoom.ticks = 0;
    SlowCreateRoom.disposed = 0;
    SlowCreateRoom.#gate = new Promise<void>((resolve, reject) => {
      SlowCreateRoom.release = resolve;
      SlowCreateRoom.fail = reject;
    });
    // Never waited on when no creation comes.
    SlowCreateRoom.#gate.catch(() => {});
  }

  override async onCreate(): Promise<void> {
    SlowCreateRoom.started++;
    this.clock.setInterval(() => SlowCreateRoom.ticks++, 5);
    await SlowCreateRoom.#gate;
  }

  override onDispose(): void {
    SlowCreateRoom.disposed++;
  }
}
