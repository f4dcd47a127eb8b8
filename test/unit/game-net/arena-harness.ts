import { FixedStepLoop } from 'vehikill-net/netcode';
import { ManualClock, RoomSync } from 'vehikill-net/server';
import { encodeAppFrame } from 'vehikill-net/sync';
import { Channel, createSimulatedLinkPair, type Link, type SimulatedLink } from 'vehikill-net/transport';
import { ArenaClient, type ArenaFrame } from '../../../game/net/client/arena-client.js';
import { GAME_ENTITY_TYPES } from '../../../game/net/protocol/entity-types.js';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import { ArenaAuthority } from '../../../game/net/server/authority.js';
import { NEUTRAL_INPUT, TICK_RATE, type VehicleInput } from '../../../game/sim/index.js';

type Member = { readonly away: boolean; readonly link: Link };

/** One player of the harness. */
interface Seat {
  readonly member: Member;
  readonly playerEnd: SimulatedLink;
  readonly serverEnd: SimulatedLink;
  readonly vehicleId: number;
  readonly controls: { input: VehicleInput };
  readonly corrections: number[];
  readonly client: ArenaClient;
  /** Called with each frame this player drew, and the simulated time. */
  onFrame?: (frame: ArenaFrame, now: number) => void;
}

/**
 * One player's ArenaClient and an ArenaAuthority over a simulated 40 ms link, in simulated time. The
 * server runs a plain fixed-step loop (a second of catch-up, the rest dropped) and tells the time its
 * world shows, as a Vehikill room did before it kept its timeline through stalls: `stallServer` makes it
 * drop ticks and move its timeline back, which the player's clock follows with a jump.
 */
export function arenaHarness() {
  const clock = new ManualClock(50_000);
  const members: Member[] = [];
  const sync = new RoomSync<Member>({ clients: members, clock }, { types: GAME_ENTITY_TYPES, rateHz: 30 });
  const loop = new FixedStepLoop({ tickRate: TICK_RATE, maxCatchUpTicks: TICK_RATE });
  const authority: ArenaAuthority<Member> = new ArenaAuthority({
    sync,
    sendApp: (member, bytes) => member.link.send(Channel.phys, encodeAppFrame(bytes)),
    now: () => (authority.world.tick + loop.alpha(clock.now())) * TICK_MS,
  });
  const seats: Seat[] = [];
  const afterTick: (() => void)[] = [];
  /** A player on its own simulated 40 ms link, seated in the arena with a vehicle. */
  function seat(): Seat {
    const [playerEnd, serverEnd] = createSimulatedLinkPair({
      clock,
      seed: seats.length + 1,
      aToB: { delayMs: 20 },
      bToA: { delayMs: 20 },
    });
    const member: Member = { away: false, link: serverEnd };
    serverEnd.onMessage((channel, bytes) => authority.receive(member, channel, bytes));
    members.push(member);
    const vehicleId = authority.join(member);
    const controls: { input: VehicleInput } = { input: NEUTRAL_INPUT };
    /** Each reconciliation's correction of the own car (world units), oldest first. */
    const corrections: number[] = [];
    const client = new ArenaClient({
      link: playerEnd,
      clock: { now: () => clock.now(), setTimeout: (callback, ms) => clock.setTimeout(callback, ms) },
      sampleInput: () => controls.input,
      onCorrection: (correction) => corrections.push(correction.error),
    });
    const player: Seat = { member, playerEnd, serverEnd, vehicleId, controls, corrections, client };
    seats.push(player);
    return player;
  }
  const { member, playerEnd, vehicleId, controls, corrections, client } = seat();
  loop.advance(clock.now());
  let stalledUntil = Number.NEGATIVE_INFINITY;
  let hidden = false;
  let pageStalledUntil = Number.NEGATIVE_INFINITY;
  let nextServer = clock.now() + TICK_MS;
  let nextFrame = clock.now();

  /** Runs server ticks and player frames (60 a second) for `ms` of simulated time. */
  function run(ms: number): void {
    const end = clock.now() + ms;
    while (clock.now() < end) {
      clock.advance(Math.max(0, Math.min(nextServer, nextFrame, end) - clock.now()));
      if (clock.now() >= nextServer) {
        if (clock.now() >= stalledUntil) {
          const due = loop.advance(clock.now());
          for (let tick = 0; tick < due; tick++) {
            authority.step();
            for (const listener of afterTick) listener();
          }
        }
        nextServer += TICK_MS;
      }
      if (clock.now() >= nextFrame) {
        // A hidden or stalled page gets no animation frames.
        if (!hidden && clock.now() >= pageStalledUntil) {
          client.update(clock.now());
          client.frame(clock.now());
        }
        for (const other of seats.slice(1)) {
          other.client.update(clock.now());
          other.onFrame?.(other.client.frame(clock.now()), clock.now());
        }
        nextFrame += 1000 / 60;
      }
    }
  }

  return {
    clock,
    authority,
    client,
    member,
    /** The player's end of the link: its conditions are the uplink's (e.g. loss 1 cuts it). */
    playerEnd,
    vehicleId,
    controls,
    corrections,
    run,
    /** Seats another player (its page never hidden nor stalled); it updates and draws every frame. */
    addPlayer: seat,
    /** Called after every server tick (e.g. to record the server's truth). */
    afterTick,
    /** The server neither ticks nor answers for `ms` from now (it still reads what arrives). */
    stallServer(ms: number): void {
      stalledUntil = clock.now() + ms;
    },
    /** The player's page runs no frame for `ms` from now (a long task, a GC pause), unaware of it. */
    stallPage(ms: number): void {
      pageStalledUntil = clock.now() + ms;
    },
    /**
     * The page is hidden or shown again, as a browser does it: the client is told (the page's
     * visibilitychange), and no animation frame runs while hidden.
     */
    setHidden(value: boolean): void {
      hidden = value;
      client.setHidden(value, clock.now());
    },
    get droppedTicks(): number {
      return loop.droppedTicks;
    },
  };
}
