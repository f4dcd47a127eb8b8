import type { Channel } from 'vehikill-net/client';
import { Room, type RoomClient, RoomSync, type RoomSyncOptions } from 'vehikill-net/server';
import type { EntityType, FieldDeclarations, StateOf } from 'vehikill-net/sync';

/**
 * A room class whose `RoomSync` holds one entity of `type`, written as `stateAt(tick)` and flushed every
 * `tickMs`, its members' acks received: what a test of the sync path needs of a room. `options` is read
 * when a room is created (a test may learn its server's metrics only after starting it).
 */
export function tickingSyncRoom<Fields extends FieldDeclarations>(
  type: EntityType<Fields>,
  stateAt: (tick: number) => StateOf<EntityType<Fields>>,
  options: () => Omit<RoomSyncOptions, 'types'> = () => ({ rateHz: 50 }),
  tickMs = 20,
) {
  return class TickingSyncRoom extends Room {
    /** The room created last. */
    static instance: TickingSyncRoom | undefined;
    sync!: RoomSync;
    tick = 0;
    #timer: ReturnType<typeof setInterval> | undefined;

    override onCreate(): void {
      TickingSyncRoom.instance = this;
      this.sync = new RoomSync(this, { ...options(), types: [type] });
      const id = this.sync.world.spawn(type, stateAt(0));
      this.#timer = setInterval(() => {
        this.tick++;
        this.sync.world.update(id, type, stateAt(this.tick));
        this.sync.flush(this.tick);
      }, tickMs);
    }

    override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
      this.sync.receive(client, channel, bytes);
    }

    override onDispose(): void {
      clearInterval(this.#timer);
    }
  };
}
