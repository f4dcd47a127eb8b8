import type { DesyncRecord } from 'vehikill-net/netcode';
import { ManualClock, RoomSync, type SyncMember } from 'vehikill-net/server';
import { encodeAppFrame } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { GAME_ENTITY_TYPES } from '../../../game/net/protocol/entity-types.js';
import { encodeHashReport } from '../../../game/net/protocol/messages.js';
import { ArenaAuthority } from '../../../game/net/server/authority.js';
import { DesyncLog } from '../../../game/server/desync-log.js';

/** An authority with 8 players, 200 ticks in; what it made of one player's hash reports. */
function arena() {
  const clock = new ManualClock(0);
  const members: SyncMember[] = [];
  const sync = new RoomSync({ clients: members, clock }, { types: GAME_ENTITY_TYPES });
  const desyncs: DesyncRecord<unknown, unknown>[] = [];
  const authority = new ArenaAuthority<SyncMember>({
    sync,
    sendApp: () => {},
    now: () => clock.now(),
    onDesync: (_player, record) => desyncs.push(record),
  });
  const players = Array.from({ length: 8 }, () => {
    const member = { away: false, link: { send: () => true } } as never as SyncMember;
    members.push(member);
    authority.join(member);
    return member;
  });
  const step = (ticks: number) => {
    for (let tick = 0; tick < ticks; tick++) {
      clock.advance(1000 / 60);
      authority.step();
    }
  };
  step(200);
  const report = (player: SyncMember, tick: number, hash: number) =>
    authority.receive(player, Channel.phys, encodeAppFrame(encodeHashReport(tick, hash)));
  return { authority, players, desyncs, step, report };
}

describe('hash reports', () => {
  it('are checked at most once per half second per player; the rest are dropped and counted', () => {
    const { authority, players, desyncs, step, report } = arena();
    const attacker = players[0] as SyncMember;
    // One second of what a server link lets through: 240 forged reports of ticks the server holds.
    for (let index = 0; index < 240; index++)
      report(attacker, authority.world.tick - 1 - (index % 100), index);
    expect(desyncs).toHaveLength(1);
    expect(authority.countersOf(attacker)?.hashReportsRefused).toBe(239);
    // Another player's reports are its own business.
    report(players[1] as SyncMember, authority.world.tick - 1, 12345);
    expect(desyncs).toHaveLength(2);
    // Half a second later the attacker gets one more checked.
    step(30);
    report(attacker, authority.world.tick - 1, 1);
    expect(desyncs).toHaveLength(3);
  });

  it("an honest client's reports brought together by a stall (its own or the server's) have none refused", () => {
    const { authority, players, desyncs, step, report } = arena();
    const player = players[0] as SyncMember;
    step(180);
    // Three seconds of reports, every 60th tick, read at once.
    const now = authority.world.tick;
    for (const back of [180, 120, 60]) report(player, now - back, 1);
    expect(authority.countersOf(player)?.hashReportsRefused).toBe(0);
    expect(desyncs).toHaveLength(3);
  });

  it('refuses and counts reports on ticks not simulated yet; drops those more than 5 s old uncounted', () => {
    const { authority, players, desyncs, step, report } = arena();
    const player = players[0] as SyncMember;
    report(player, authority.world.tick + 60, 1);
    expect(authority.countersOf(player)?.hashReportsRefused).toBe(1);
    step(400);
    report(player, authority.world.tick - 360, 1);
    expect(authority.countersOf(player)?.hashReportsRefused).toBe(1);
    expect(desyncs).toHaveLength(0);
  });

  it('an honest client reporting once a second has none refused', () => {
    const { authority, players, step, report } = arena();
    const player = players[0] as SyncMember;
    for (let second = 0; second < 10; second++) {
      report(player, authority.world.tick - 1, 1);
      step(60);
    }
    expect(authority.countersOf(player)?.hashReportsRefused).toBe(0);
  });
});

describe('the desync log', () => {
  const record = (tick: number): DesyncRecord<unknown, unknown> => ({
    tick,
    serverHash: 1,
    clientHash: 2,
    inputs: Array.from({ length: 120 }, (_, index) => ({
      tick: tick - 119 + index,
      input: { 3: 'x'.repeat(50) },
    })),
  });

  it('logs the first record of a player in full, then one short line a minute', () => {
    const lines: string[] = [];
    const log = new DesyncLog({ log: (line) => lines.push(line) });
    // Two reports checked a second for three minutes.
    for (let ms = 0; ms <= 180_000; ms += 500) log.add('p1', 'a', 'forger (p1)', record(ms / 10), ms);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('"serverHash":1');
    expect(lines.slice(1).every((line) => line.length < 200)).toBe(true);
    expect(lines[1]).toContain('120 more desyncs in 60 s');
    // Another player's first record is logged in full too, on another address or on the same one.
    log.add('p2', 'b', 'other (p2)', record(5), 180_500);
    log.add('p3', 'a', 'housemate (p3)', record(5), 180_500);
    expect(lines).toHaveLength(6);
    expect(lines[4]).toContain('"serverHash":1');
    expect(lines[5]).toContain('"serverHash":1');
  });

  it('a player who leaves and rejoins is not "first" again: their desyncs are counted', () => {
    const lines: string[] = [];
    const log = new DesyncLog({ log: (line) => lines.push(line) });
    // One forged report per rejoin, two rejoins a second, for ten minutes.
    for (let ms = 0; ms < 600_000; ms += 500) log.add('p1', 'a', 'forger (p1)', record(ms / 10), ms);
    expect(lines.filter((line) => line.includes('"serverHash"'))).toHaveLength(1);
    expect(lines.length).toBeLessThanOrEqual(11);
  });

  it("new sessions from one address get the address's budget of full records, no more", () => {
    const lines: string[] = [];
    const log = new DesyncLog({ log: (line) => lines.push(line), fullBurst: 3, fullEveryMs: 1_800_000 });
    // A new session (a new player id) every half second for a day, each with one forged report.
    const day = 86_400_000;
    let session = 0;
    const forged = record(5);
    for (let ms = 0; ms < day; ms += 500) log.add(`p${session++}`, 'a', 'forger', forged, ms);
    const full = lines.filter((line) => line.includes('"serverHash"'));
    // Three at once, then one each half hour: 3 + 47.
    expect(full.length).toBeLessThanOrEqual(3 + day / 1_800_000);
    // And one short line a minute.
    expect(lines.length - full.length).toBeLessThanOrEqual(day / 60_000);
    expect(log.size).toBe(1);
    // Meanwhile an honest player on another address still has their first desync logged in full.
    log.add('honest', 'b', 'honest', record(7), day);
    expect(lines.at(-1)).toContain('"serverHash"');
  });

  it('remembers a bounded number of addresses, forgetting idle ones', () => {
    const lines: string[] = [];
    const log = new DesyncLog({ log: (line) => lines.push(line), maxSources: 100 });
    for (let index = 0; index < 1_000; index++) log.add(`p${index}`, `s${index}`, 'x', record(5), index);
    expect(log.size).toBe(100);
    // Idle past the time its budget takes to refill (3 × 30 min): forgotten.
    log.add('late', 'late', 'late', record(5), 6 * 3_600_000);
    expect(log.size).toBe(1);
  });
});
