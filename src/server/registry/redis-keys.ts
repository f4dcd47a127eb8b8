import { createHash } from 'node:crypto';

/**
 * Where the Redis registry keeps things, all under one prefix so several clusters can share a Redis:
 *
 * - `{p}room:{roomId}`       the room's listing as JSON (without `clients`: that is the seat count)
 * - `{p}seats:{roomId}`      set of player ids holding a seat
 * - `{p}rooms`               sorted set of room ids by `createdAt` (listing order: oldest first)
 * - `{p}open`               sorted set (by `createdAt`) of the rooms a player can join now: public, not
 *                            locked, a seat free; `{p}open-type:{type}` the same for one room type. Quick
 *                            play and lobbies read these, so their cost follows the open rooms, not all
 * - `{p}open-order:{type}` for a type with a quick-play order (`RoomListing.order`): its open rooms,
 *                            scored by that order (seats, or a metadata number), each member the room's
 *                            `createdAt` at a fixed width then its id, so that ties sort oldest first
 * - `{p}public`              sorted set (by `createdAt`) of the public rooms, full and locked ones too:
 *                            what a listing with `includeFull` reads; `{p}public-type:{type}` the same for
 *                            one room type
 * - `{p}indexed`             '2' once the open and public sets are built from `{p}rooms` (a listing written
 *                            by an older version had none, or open sets only: '1')
 * - `{p}node-rooms:{nodeId}` set of a node's room ids, so a dead node's rooms can be swept
 * - `{p}code:{code}`         private code -> room id (SET NX keeps codes unique)
 * - `{p}node:{nodeId}`       the node's NodeInfo as JSON, expiring (PX) unless heartbeated
 * - `{p}nodes`               set of node ids that have heartbeated and not been swept; hashes by node
 *                            id of what outlives a node's record until it is swept or leaves: `{p}node-info`
 *                            its NodeInfo JSON as last heartbeated (listed in a stall, see below),
 *                            `{p}node-ttl` its TTL, `{p}node-run` the Redis run_id it last heartbeated to
 * - `{p}run-id`              the run_id of the Redis process that took the newest heartbeat: another one
 *                            (a restart, a failover) starts a stall's grace
 * - `{p}gone:{nodeId}`       a swept node, remembered for 10 minutes (PX): rooms it adds before it
 *                            heartbeats again are not listed; `{p}gone-nodes` the set of them, swept
 * - `{p}unrecorded`          sorted set of nodes with rooms but no record (their first heartbeat failed or
 *                            is on its way), by Redis's time (ms) of their newest room: their rooms count
 *                            for the longest node TTL from then, then are swept; `{p}unrecorded-kept` '1' once
 *                            the nodes a version without this set left out of it were put in (and so swept)
 * - `{p}last-beat`           hash: Redis's time (ms, `at`) of the newest heartbeat of any node;
 *                            `{p}stall-grace` set for the longest listed node's TTL (PX) by a heartbeat
 *                            that came more than that after it (Redis itself stood still), or on another
 *                            Redis process. While the gap is open and during the grace, nothing is swept
 *                            and listed nodes count as alive
 * - `{p}creating:{sha1}`     a quick-play creation claim (see `Registry.claimCreation`): the claiming
 *                            token, expiring (PX); named by the SHA-1 of the claimed type and filter
 * - `{p}arrivals`            hash by draining process of its plan (see `Registry.planArrivals`): JSON
 *                            `{ expiresAt (Redis's time, ms), plan: [[nodeId, sessions, rooms], ...] }`,
 *                            deleted once expired; `{p}arrivals-version` counts the plans written;
 *                            `{p}node-arrived` hash by node id of the newest batch of arrivals its
 *                            heartbeat applied (see `Registry.heartbeat`): `<batch> <bootId>`, kept while
 *                            the node is in `{p}nodes` or `{p}gone-nodes`
 * - `{p}lobby`               pub/sub channel of ListingChange JSON
 * - `{p}ch:{channel}`        pub/sub channels of `Registry.publish` (messages between nodes)
 *
 * The Lua scripts build these names from the prefix themselves (see redis-scripts.ts); this class names
 * the few keys used outside them. In a Redis Cluster the prefix carries a hash tag (`{vk}:`), so every
 * one of these keys is in the same slot, as the scripts need.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}
  room(roomId: string): string {
    return `${this.prefix}room:${roomId}`;
  }
  seats(roomId: string): string {
    return `${this.prefix}seats:${roomId}`;
  }
  /** The key the scripts declare: it routes them, in a cluster, to the node holding the prefix's slot. */
  get anchor(): string {
    return `${this.prefix}rooms`;
  }
  /** `key`: a quick play's type and filter, as the room manager names them (any length). */
  creating(key: string): string {
    return `${this.prefix}creating:${createHash('sha1').update(key).digest('hex')}`;
  }
  get lobby(): string {
    return `${this.prefix}lobby`;
  }
  /** A `Registry.publish` channel: under the prefix, so its hash tag puts it in the keys' slot. */
  channel(name: string): string {
    return `${this.prefix}ch:${name}`;
  }
}
