import { Channel, SyncedState, type SyncLink } from 'vehikill-net/client';
import {
  decodeSyncFrame,
  EntityTable,
  encodeChainFrame,
  encodeSnapshotFrame,
  entity,
  entityRegistry,
  int,
  SharedSnapshots,
  SnapshotEncoder,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Car = entity('car', { x: int({ min: 0, max: 100 }) });
const types = [Car] as const;
const registry = entityRegistry(types);

type Listener = (channel: Channel, bytes: Uint8Array) => void;

/** A client's SyncedState fed by hand from the server's encoder; its acks go straight back to it. */
function client(encoder: SnapshotEncoder) {
  const listeners = new Set<Listener>();
  const link: SyncLink = {
    send: (_channel, bytes) => {
      const frame = decodeSyncFrame(bytes);
      if (frame.kind === 'ack') encoder.receiveAck(frame.ack);
      return true;
    },
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const state = new SyncedState(link, { types });
  const deliver = (bytes: Uint8Array) => {
    for (const listener of listeners) listener(Channel.phys, bytes);
  };
  return { encoder, state, deliver };
}

describe('SyncedState and a late fill behind snapshots cut by the budget', () => {
  it('announces what the fill brought on: a change, a removal, an entity whose creation the budget cut', () => {
    // Two clients share bodies in step at tick 0. Client 0 loses tick 1 (car 0 moves, car 2 goes, car 3
    // appears); its chain of tick 2 (tick 1 again ahead of it) comes after its snapshot of tick 3, cut to
    // nothing by a budget of 0 bytes. The fill is then the only snapshot applied that carries tick 1's
    // changes, and the server holds them acked: the client's state must show them, with events.
    const table = new EntityTable({ types });
    table.spawn(Car, { x: 1 });
    table.spawn(Car, { x: 2 });
    table.spawn(Car, { x: 9 });
    const shared = new SharedSnapshots(registry);
    const other = new SnapshotEncoder(registry, { shared, resend: true });
    const c0 = client(new SnapshotEncoder(registry, { shared, resend: true }));
    const frames: WorldFrame[] = [];
    const frameAt = (tick: number) => {
      frames[tick] ??= table.frame(tick);
      return frames[tick];
    };
    const acked = (tick: number) =>
      other.receiveAck({ newest: other.encode(frameAt(tick)).seq, previous: 0, resync: false });
    acked(0);
    c0.deliver(encodeSnapshotFrame(c0.encoder.encode(frameAt(0)).bytes, false));
    const events: string[] = [];
    c0.state.on('add', (car) => events.push(`add ${car.id} x=${car.state.x}`));
    c0.state.on('change', (car) => events.push(`change ${car.id} x=${car.state.x}`));
    c0.state.on('remove', (car) => events.push(`remove ${car.id} ${car.reason}`));

    table.update(0, Car, { x: 50 });
    table.remove(2);
    const spawned = table.spawn(Car, { x: 70 });
    acked(1);
    c0.encoder.encode(frameAt(1)); // lost
    table.update(1, Car, { x: 3 });
    acked(2);
    const chain = c0.encoder.encode(frameAt(2));
    const chainFrame = encodeChainFrame(chain.resent as Uint8Array, chain.bytes);
    table.update(1, Car, { x: 4 });
    const cut = c0.encoder.encode(frameAt(3), { budgetBytes: 0 });
    expect(cut.complete).toBe(false);
    c0.deliver(encodeSnapshotFrame(cut.bytes, false));
    c0.deliver(chainFrame);

    expect(c0.state.stats().filled).toBe(1);
    expect(events).toEqual(['remove 2 destroyed', 'add 3 x=70', 'change 0 x=50']);
    expect(c0.state.get(0)?.state.x).toBe(50);
    expect(c0.state.get(spawned)?.state.x).toBe(70);
    // The next snapshot, complete, leaves the client with the world.
    c0.deliver(encodeSnapshotFrame(c0.encoder.encode(frameAt(4)).bytes, false));
    expect([...c0.state.entities()].map((car) => [car.id, car.state.x])).toEqual([
      [0, 50],
      [1, 4],
      [3, 70],
    ]);
  });
});
