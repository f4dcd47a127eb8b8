import type { Clock } from '../../common/index.js';
import { MAX_PEER_DATA_BYTES } from '../../protocol/index.js';
import type { AnyEntityType, EntityRecord, Tier } from '../../sync/index.js';
import type { DeviceReport, Link, QualityView } from '../../transport/core.js';
import type { MetricsSink } from '../metrics.js';
import type { RoomClient } from '../rooms/room-client.js';
import type { AdaptiveRateOptions } from './adaptive-rate.js';

/**
 * A member as RoomSync sees it: a `RoomClient` is one. Anything else with a link (a simulated player in a
 * test or a lab) can be one too.
 */
export interface SyncMember {
  /** Away members (reconnecting) get no snapshots. */
  readonly away: boolean;
  /**
   * The number of the player's seating in the room (0..255; a room's members have the join's
   * `membership`, see docs/protocol.md): every snapshot to the member names it, so that their client
   * applies only its current room's. Default 0.
   */
  readonly membership?: number;
  readonly link: Pick<Link, 'send' | 'sendTagged'> & AdaptiveLinkFacts;
}

/** What adaptive rates read from a member's link where it has them (a server link has all three). */
export interface AdaptiveLinkFacts {
  readonly quality?: QualityView;
  /** What the player's device declared (see DeviceReport). */
  readonly device?: DeviceReport | undefined;
  /** Bytes waiting to go to the player (send queue and socket buffer). */
  queuedBytes?(): number;
}

/** What RoomSync needs of its room: a `Room` is one. */
export interface SyncedRoom<M extends SyncMember = RoomClient> {
  readonly clients: readonly M[];
  readonly clock: Clock;
}

/**
 * The largest snapshot budget: a snapshot goes as one `phys` message after its one-byte tag, and no link
 * carries a `phys` message over MAX_PEER_DATA_BYTES. The budget counts bytes before deflate, so every
 * snapshot within it fits whether deflated or not.
 */
export const MAX_SNAPSHOT_BUDGET_BYTES = MAX_PEER_DATA_BYTES - 1;

export interface RoomSyncOptions<
  M extends SyncMember = RoomClient,
  Types extends readonly AnyEntityType[] = readonly AnyEntityType[],
> {
  /**
   * Entity types, in the same order as on the clients: a type's id is its index (append only). `world`
   * takes these alone: spawning any other throws (and, where the types are known, does not type-check).
   */
  types: Types;
  /**
   * Snapshots per second to each member unless `setRate` says otherwise. Default 20. At most one per
   * `flush`: in a room that flushes less often, the flush rate.
   */
  rateHz?: number;
  /**
   * Bytes of one snapshot (before deflate) unless `setBudget` says otherwise. Default 1200; at most
   * MAX_SNAPSHOT_BUDGET_BYTES (16,383), the largest `phys` message a link carries.
   */
  budgetBytes?: number;
  /**
   * Snapshots bigger than this many bytes are deflated, and sent deflated when that is smaller.
   * Default 512; `Infinity` never deflates. Small deltas barely shrink and cost CPU to try.
   */
  deflateAboveBytes?: number;
  /**
   * Where each member's first snapshot seq is drawn from (a random start, so acks still on their way
   * from a player's earlier membership name seqs the new one did not send). Default `Math.random`; a
   * value outside [0, 1) gives the nearest seq, NaN seq 0.
   */
  random?: () => number;
  /**
   * Priority an entity gains per snapshot for this member (≥ 0, below counts as 0; `Infinity`: before
   * every entity that is not critical, such entities taking turns), e.g. falling with distance. Asked only
   * when the budget cannot carry everything. Default 1. A call of this, `tier`, `visible` or `viewGroup`
   * that throws or returns what it must not is replaced by what hurts least: see `callbackErrors`.
   */
  priority?: (client: M, id: number, entity: EntityRecord) => number;
  /** Update tier of an entity for this member. Default normal. */
  tier?: (client: M, id: number, entity: EntityRecord) => Tier;
  /**
   * Interest management: whether this member's snapshots carry the entity (fog of war, line of sight,
   * distance, a team's own scouts). The member's client holds only what it sees: an entity that leaves
   * its view is removed there (a `remove` event, `reason` 'leftView', where one removed from `world` says
   * 'destroyed'), and one that comes back is sent in full (an `add`).
   * Asked once per tick per view (see `viewGroup`), for every entity. Default: every member sees all.
   */
  visible?: (client: M, id: number, entity: EntityRecord) => boolean;
  /**
   * Members who see alike (a team with shared vision): members with the same key share one view per
   * tick, asking `visible` of one of them, and share encodes like members without views do. A member
   * whose key changes is moved to the other view from its next snapshot. `undefined` or `null` (a
   * member of no team yet): a view of the member's own. Default with `visible`: each member its own view.
   */
  viewGroup?: (client: M) => string | number | undefined | null;
  /** Where `sync_*` counters go: pass the server's `metrics`. */
  metrics?: MetricsSink;
  /**
   * How a framed snapshot leaves for a member. Default `client.link.send(Channel.phys, bytes)`.
   * A plug point for tests (loss) and for wrapping the link.
   */
  send?: (client: M, bytes: Uint8Array) => void;
  /**
   * Rate and budget follow each member's link quality and device (see AdaptiveRate): back off at once on
   * loss, queueing or a worse grade, recover slowly; a hidden page gets 5 Hz. Off by default (the rates
   * are the app's own: `rateHz`, `setRate`); `true` uses 10 Hz..`rateHz` and 400..`budgetBytes`. With it on,
   * `setRate` and `setBudget` set that member's ceiling.
   */
  adaptive?: boolean | AdaptiveRateOptions;
}
