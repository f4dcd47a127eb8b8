import { Channel } from 'vehikill-net/client';
import { ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import {
  decodeSyncFrame,
  encodeAckFrame,
  entity,
  int,
  membershipOf,
  snapshotStream,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { syncMember } from '../../support/sync-member.js';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

function player(name: string, membership = 1): RoomClient {
  return syncMember(name, { link: { send: () => true }, membership });
}

/** A room at 20 Hz whose sends are counted per player; `seat` lists a player as a member (the join done). */
function setup(options: { adaptive?: boolean } = {}) {
  const clock = new ManualClock();
  const clients: RoomClient[] = [];
  const sent = new Map<RoomClient, Uint8Array[]>();
  const room = { clients, clock };
  const sync = new RoomSync(room, {
    types: [Dot],
    rateHz: 20,
    send: (client, bytes) => sent.set(client, [...(sent.get(client) ?? []), bytes]),
    ...options,
  });
  sync.world.spawn(Dot, { x: 1 });
  let tick = 0;
  /** `ms` of 50 ms steps. */
  const run = (ms: number) => {
    for (let elapsed = 0; elapsed < ms; elapsed += 50) {
      clock.advance(50);
      sync.flush(++tick);
    }
  };
  const count = (client: RoomClient) => sent.get(client)?.length ?? 0;
  return { room, sync, run, count, sent, clients };
}

describe('RoomSync: settings for a player still joining', () => {
  it('setRate and setBudget made during the join (onJoin) hold once the player is a member', () => {
    const { sync, run, count, clients } = setup();
    const ada = player('ada');
    // onJoin runs before the player is in room.clients, and may await (a profile lookup) meanwhile.
    sync.setRate(ada, 5);
    sync.setBudget(ada, 600);
    expect(sync.rateOf(ada)).toEqual({ rateHz: 5, budgetBytes: 600 });
    run(500); // the room goes on ticking while the join waits
    expect(sync.stats().members).toBe(0);
    expect(sync.rateOf(ada)).toEqual({ rateHz: 5, budgetBytes: 600 });
    clients.push(ada); // the join is done
    run(2_000);
    expect(count(ada)).toBeGreaterThanOrEqual(9);
    expect(count(ada)).toBeLessThanOrEqual(11);
    expect(sync.rateOf(ada)).toEqual({ rateHz: 5, budgetBytes: 600 });
    expect(sync.lowestRateHz(ada, 0)).toBe(5);
  });

  it('with adaptive rates, settings made during the join are the ceilings', () => {
    const { sync, run, clients } = setup({ adaptive: true });
    const ada = player('ada');
    sync.setRate(ada, 12);
    sync.setBudget(ada, 500);
    run(200);
    clients.push(ada);
    run(1_000);
    expect(sync.rateOf(ada).rateHz).toBeLessThanOrEqual(12);
    expect(sync.rateOf(ada).budgetBytes).toBeLessThanOrEqual(500);
  });

  it('a player whose join failed never gets them: the next join is a new player at the defaults', () => {
    const { sync, run, count, clients } = setup();
    sync.setRate(player('ada'), 5); // onJoin set it, then refused the player (threw)
    run(500);
    const again = player('ada', 2); // the same player joins again: a new member object
    clients.push(again);
    run(1_000);
    expect(count(again)).toBeGreaterThanOrEqual(19);
    expect(sync.rateOf(again).rateHz).toBe(20);
  });

  it('receive() from a player not in room.clients makes no member, and keeps what the join set', () => {
    const { sync, run, count, clients } = setup();
    const ada = player('ada');
    sync.setRate(ada, 5);
    run(100);
    // An ack with an input from a player the room has not listed (still joining, or gone): the input
    // goes to the room, but a member made for it was dropped at the next flush with the join's settings.
    const ack = encodeAckFrame({ newest: 0, previous: 0, resync: false }, Uint8Array.of(7));
    expect(sync.receive(ada, Channel.phys, ack)).toEqual(Uint8Array.of(7));
    expect(sync.stats().members).toBe(0);
    run(100);
    expect(sync.rateOf(ada)).toEqual({ rateHz: 5, budgetBytes: sync.rateOf(player('bob')).budgetBytes });
    clients.push(ada);
    run(2_000);
    expect(count(ada)).toBeLessThanOrEqual(11);
    expect(sync.stats().members).toBe(1);
  });

  it('refuses a bad rate or budget at once, joining or not', () => {
    const { sync } = setup();
    const ada = player('ada');
    expect(() => sync.setRate(ada, 0)).toThrow(RangeError);
    expect(() => sync.setBudget(ada, 8)).toThrow(RangeError);
  });

  it("setRate and setBudget from stateFor (listed, not seated yet) leave the member's snapshots naming its seat", () => {
    const { sync, run, sent, clients } = setup();
    // During stateFor the player is in room.clients already, but its membership is set only once it is
    // seated, after stateFor: a member made then named seating 0 in every snapshot, which its client
    // (seated as 4) dropped as another room's for as long as it stayed.
    const ada = player('ada', 0) as RoomClient & { membership: number };
    clients.push(ada);
    sync.setRate(ada, 10);
    sync.setBudget(ada, 600);
    ada.membership = 4;
    run(500);
    const frame = decodeSyncFrame(sent.get(ada)?.at(-1) as Uint8Array);
    if (frame.kind !== 'snapshot') throw new Error('expected a snapshot');
    expect(membershipOf(snapshotStream(frame.payload))).toBe(4);
    expect(sync.rateOf(ada)).toEqual({ rateHz: 10, budgetBytes: 600 });
  });
});
