import { ManualClock, RoomSync, type SyncMember } from 'vehikill-net/server';
import { encodeAppFrame } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import { GAME_ENTITY_TYPES } from '../../../game/net/protocol/entity-types.js';
import { encodeInputMessage } from '../../../game/net/protocol/messages.js';
import type { NetInput } from '../../../game/net/protocol/net-input.js';
import {
  ArenaAuthority,
  type AuthorityOptions,
  type ShotOutcome,
} from '../../../game/net/server/authority.js';

/**
 * An authority with one seated shooter whose round trip is 30 ms: `send` delivers a packet of its inputs
 * from `firstTick`, and every shot the authority judged is in `outcomes`. `simulate` as the authority's.
 */
export function loneShooter(simulate?: AuthorityOptions<SyncMember>['simulate']) {
  const clock = new ManualClock(0);
  const sync = new RoomSync({ clients: [], clock }, { types: GAME_ENTITY_TYPES });
  const outcomes: ShotOutcome[] = [];
  const shooter: SyncMember = { away: false, link: { send: () => true } } as never;
  const authority = new ArenaAuthority<SyncMember>({
    sync,
    sendApp: () => {},
    now: () => clock.now(),
    rttOf: () => 30,
    onShot: (_player, outcome) => outcomes.push(outcome),
    ...(simulate ? { simulate } : {}),
  });
  authority.join(shooter);
  const send = (firstTick: number, inputs: NetInput[]) =>
    authority.receive(shooter, Channel.phys, encodeAppFrame(encodeInputMessage({ firstTick, inputs })));
  return { authority, outcomes, send };
}
