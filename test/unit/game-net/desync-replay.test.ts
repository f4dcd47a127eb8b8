import { type DesyncRecord, parseDesync, serializeDesync } from 'vehikill-net/netcode';
import { ManualClock, RoomSync, type SyncMember } from 'vehikill-net/server';
import { encodeAppFrame } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { GAME_ENTITY_TYPES } from '../../../game/net/protocol/entity-types.js';
import { encodeHashReport, encodeInputMessage } from '../../../game/net/protocol/messages.js';
import { ArenaAuthority, type LoggedTick } from '../../../game/net/server/authority.js';
import {
  addPlayer,
  cloneMatch,
  cloneWorld,
  createMatch,
  findVehicle,
  hashGame,
  hitscanOnWorld,
  type MatchState,
  NEUTRAL_INPUT,
  stepGame,
  type VehicleInput,
  type World,
} from '../../../game/sim/index.js';

describe('desync records', () => {
  it('carry a checkpoint from which their inputs and hits replay to the server state', () => {
    const clock = new ManualClock(0);
    const members: SyncMember[] = [];
    const sync = new RoomSync({ clients: members, clock }, { types: GAME_ENTITY_TYPES });
    const match = createMatch({ warmupSeconds: 0 }, 0);
    const serverHashes = new Map<number, number>();
    const records: DesyncRecord<LoggedTick, unknown>[] = [];
    const authority: ArenaAuthority<SyncMember> = new ArenaAuthority({
      sync,
      sendApp: () => {},
      now: () => clock.now(),
      // The rules, as a Vehikill room runs them, with a server bot whose inputs only the step knows.
      simulate: (world, inputs, resolve) => {
        const all = new Map(inputs).set(9, { ...NEUTRAL_INPUT, throttle: 1, steer: 0.5 });
        stepGame(world, match, all, resolve);
        return all;
      },
      checkpointState: (world) => ({ world: cloneWorld(world), match: cloneMatch(match) }),
      afterStep: (world) => serverHashes.set(world.tick, hashGame(world, match)),
      onDesync: (_player, record) => records.push(record),
    });
    const players = [0, 1].map(() => {
      const member = { away: false, link: { send: () => true } } as never as SyncMember;
      members.push(member);
      addPlayer(match, authority.world, authority.join(member));
      return member;
    });
    addPlayer(match, authority.world, 9);
    // Both players drive and fire every tick at what they saw five ticks back: lag-compensated hits.
    for (let tick = 0; tick < 200; tick++) {
      players.forEach((player, index) => {
        const input: VehicleInput = {
          ...NEUTRAL_INPUT,
          throttle: 1,
          steer: index === 0 ? 0.3 : -0.3,
          fire: true,
        };
        const view = tick >= 5 ? { ticksBack: 5, fraction: 0, interpDelayMs: 50 } : undefined;
        const packet = encodeInputMessage({ firstTick: tick, inputs: [view ? { input, view } : { input }] });
        authority.receive(player, Channel.phys, encodeAppFrame(packet));
      });
      clock.advance(1000 / 60);
      authority.step();
    }
    // A player reports a hash of its own for a tick a second back.
    const reported = authority.world.tick - 50;
    authority.receive(players[0] as SyncMember, Channel.phys, encodeAppFrame(encodeHashReport(reported, 7)));
    expect(records).toHaveLength(1);
    // As logged: JSON text, read back.
    const record = parseDesync(serializeDesync(records[0] as DesyncRecord<LoggedTick, unknown>));
    const baseline = record.baseline as { tick: number; state: { world: World; match: MatchState } };
    expect(baseline.tick % 60).toBe(0);
    expect(baseline.tick).toBeLessThan(reported);
    const logged = record.inputs as { tick: number; input: LoggedTick }[];
    expect(logged.map((entry) => entry.tick)).toEqual(
      Array.from({ length: reported - baseline.tick }, (_, index) => baseline.tick + 1 + index),
    );
    expect(logged.some((entry) => entry.input.hits !== undefined)).toBe(true);
    const { world, match: replayed } = baseline.state;
    for (const { input } of logged) {
      const inputs = new Map(Object.entries(input.inputs).map(([id, each]) => [Number(id), each]));
      const truth = hitscanOnWorld(world);
      stepGame(world, replayed, inputs, (shooter, origin, direction, range) =>
        input.hits !== undefined && shooter in input.hits
          ? (input.hits[shooter] ?? null)
          : truth(shooter, origin, direction, range),
      );
    }
    expect(world.tick).toBe(reported);
    expect(findVehicle(world, 9)).toBeDefined();
    expect(hashGame(world, replayed)).toBe(serverHashes.get(reported));
  });
});
