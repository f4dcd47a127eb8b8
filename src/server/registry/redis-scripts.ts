import type { RedisConnection } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';

/**
 * The registry's Lua scripts. Each runs atomically inside Redis, which is what makes seat reservation
 * and code allocation safe across nodes. Every script takes the key prefix as ARGV[1] and builds key
 * names the way RedisKeys does; its one declared key (KEYS[1], `RedisKeys.anchor`) is there so that a
 * Redis Cluster client sends it to the node holding the prefix's slot, where all those names live.
 */

const helpers = `
local p = ARGV[1]
-- How long a swept node is remembered as dead (ms): see sweep().
local GONE_MS = 600000
-- A node that has heartbeated and whose key expired is dead, and so is one swept in the last GONE_MS; one
-- never seen is taken as alive.
-- Redis's clock in ms.
local function nowMs()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end
-- Whether Redis itself stood still lately (paused, a long fork, a frozen machine, a restart from a
-- snapshot): no node has heartbeated for longer than a node TTL, or one did less than a TTL ago after such
-- a gap ('stall-grace', set by the heartbeat). Node keys that expired then did so by Redis's clock, not
-- because their nodes died: until every live node has had a TTL to heartbeat again, nothing is swept and
-- listed nodes count as alive. (With every node dead, their rooms stay listed until one heartbeats and
-- a TTL passes: there is no node to list them to meanwhile.)
-- The longest TTL among the listed nodes (each node's is kept in 'node-ttl' until it is swept or leaves):
-- a node with a long TTL heartbeats seldom, a silence shorter than its TTL is no stall, and after one it
-- must have its TTL to come back. Read for listed nodes only: a TTL left by a version that did not keep
-- them must not count. 0 when no listed node has one (then no silence is taken for a stall).
local function longestTtl()
  local longest = 0
  local ids = redis.call('SMEMBERS', p..'nodes')
  if #ids == 0 then return 0 end
  for _, value in ipairs(redis.call('HMGET', p..'node-ttl', unpack(ids))) do
    local ttl = tonumber(value)
    if ttl and ttl > longest then longest = ttl end
  end
  return longest
end
local function silentTooLong()
  local at = tonumber(redis.call('HGET', p..'last-beat', 'at'))
  local longest = longestTtl()
  return at ~= nil and longest > 0 and nowMs() - at > longest
end
-- What is kept of a node beyond its record: its TTL, its NodeInfo, the Redis process it last heartbeated to.
local function forgetNode(nodeId)
  redis.call('HDEL', p..'node-ttl', nodeId)
  redis.call('HDEL', p..'node-info', nodeId)
  redis.call('HDEL', p..'node-run', nodeId)
end
local function stalled()
  return redis.call('EXISTS', p..'stall-grace') == 1 or silentTooLong()
end
-- Before a stall is over (see stalled), a listed node whose key expired counts as alive too.
-- A node never recorded (its first heartbeat failed, or is on its way) counts as alive for the longest TTL
-- in force since it last added a room ('unrecorded', set by addRoom): had it died before any heartbeat came
-- through, its rooms would otherwise be listed for good. With no node recorded at all it counts as alive
-- (a lone server needs no heartbeat), and so in a stall.
local function alive(nodeId)
  if redis.call('EXISTS', p..'node:'..nodeId) == 1 then return true end
  if redis.call('SISMEMBER', p..'nodes', nodeId) == 1 then return stalled() end
  if redis.call('EXISTS', p..'gone:'..nodeId) == 1 then return false end
  local longest = longestTtl()
  if longest == 0 or stalled() then return true end
  local addedAt = tonumber(redis.call('ZSCORE', p..'unrecorded', nodeId))
  return addedAt ~= nil and nowMs() - addedAt < longest
end
-- A stored listing as a table, or nil for one that cannot be read (not JSON, or without the fields every
-- script relies on): such a room is never listed, and removing it still works, so that one bad listing
-- (written by an older version, or by hand) cannot make every sweep, and so every heartbeat, fail.
local function decodeRoom(json)
  local ok, room = pcall(cjson.decode, json)
  if not ok or type(room) ~= 'table' or type(room.type) ~= 'string' or type(room.nodeId) ~= 'string'
    or type(room.maxClients) ~= 'number' then
    return nil
  end
  return room
end
-- Puts a room in an index (all types, and its type) by its createdAt, or takes it out.
local function index(all, byType, member, createdAt, roomId)
  if member then
    redis.call('ZADD', all, createdAt, roomId)
    redis.call('ZADD', byType, createdAt, roomId)
  else
    redis.call('ZREM', all, roomId)
    redis.call('ZREM', byType, roomId)
  end
end
-- A room's member in its type's order index ('open-order:'..type, for a type with a quick-play order):
-- its createdAt at a fixed width, then its id, so that rooms of one score sort oldest first (a sorted set
-- breaks ties by member); the id starts at ORDER_ID_AT.
local ORDER_ID_AT = 21
local function orderMember(createdAt, roomId)
  return string.format('%020.3f', math.max(0, tonumber(createdAt) or 0))..roomId
end
local function ordered(room)
  local order = room.order
  return type(order) == 'table' and (order.direction == 1 or order.direction == -1)
    and (order.by == 'clients' or (order.by == 'metadata' and type(order.field) == 'string'))
end
-- A room's score in its order (see room-order.ts, orderScore): the lowest is read first; a metadata field
-- that is no number puts the room after every room that has one.
local function orderScore(room, seats)
  local order = room.order
  if order.by == 'clients' then return order.direction * seats end
  local value = type(room.metadata) == 'table' and room.metadata[order.field] or nil
  if type(value) ~= 'number' then return 'inf' end
  return string.format('%.17g', order.direction * value)
end
-- Puts a stored room in the public indexes (every public room: a listing with includeFull reads these) and
-- the open ones (public, unlocked, a seat free), or takes it out, from what is stored now: every script that
-- changes a listing or its seats calls it, so the indexes never drift.
local function reindex(roomId, room)
  local createdAt = redis.call('ZSCORE', p..'rooms', roomId)
  local public = createdAt and room.private ~= true
  local seats = redis.call('SCARD', p..'seats:'..roomId)
  local open = public and room.locked ~= true and seats < room.maxClients
  index(p..'public', p..'public-type:'..room.type, public, createdAt, roomId)
  index(p..'open', p..'open-type:'..room.type, open, createdAt, roomId)
  -- An ordered type's open rooms, by their score: one more sorted-set write per change of a seat or listing.
  if ordered(room) and createdAt then
    local member = orderMember(createdAt, roomId)
    if open then
      redis.call('ZADD', p..'open-order:'..room.type, orderScore(room, seats), member)
    else
      redis.call('ZREM', p..'open-order:'..room.type, member)
    end
  end
end
local function reindexJson(roomId, json)
  local room = decodeRoom(json)
  if room then reindex(roomId, room) end
end
local function removeRoom(roomId)
  local createdAt = redis.call('ZSCORE', p..'rooms', roomId)
  redis.call('ZREM', p..'rooms', roomId)
  redis.call('ZREM', p..'public', roomId)
  redis.call('ZREM', p..'open', roomId)
  local json = redis.call('GET', p..'room:'..roomId)
  if not json then return 0 end
  redis.call('DEL', p..'room:'..roomId, p..'seats:'..roomId)
  local room = decodeRoom(json)
  -- Unreadable: its type and node are unknown; what is left of it names a room that is gone. Its code is
  -- freed when the JSON still names one; when not, addRoom takes it over (its holder is gone).
  if not room then
    local ok, raw = pcall(cjson.decode, json)
    if ok and type(raw) == 'table' and type(raw.code) == 'string'
      and redis.call('GET', p..'code:'..raw.code) == roomId then
      redis.call('DEL', p..'code:'..raw.code)
    end
    return 1
  end
  redis.call('ZREM', p..'public-type:'..room.type, roomId)
  redis.call('ZREM', p..'open-type:'..room.type, roomId)
  if createdAt then redis.call('ZREM', p..'open-order:'..room.type, orderMember(createdAt, roomId)) end
  redis.call('SREM', p..'node-rooms:'..room.nodeId, roomId)
  if type(room.code) == 'string' and redis.call('GET', p..'code:'..room.code) == roomId then
    redis.call('DEL', p..'code:'..room.code)
  end
  return 1
end
local function removeRoomsOf(nodeId, removed)
  for _, roomId in ipairs(redis.call('SMEMBERS', p..'node-rooms:'..nodeId)) do
    if removeRoom(roomId) == 1 then table.insert(removed, roomId) end
  end
  redis.call('DEL', p..'node-rooms:'..nodeId)
end
-- Removes dead nodes and their rooms; returns the removed room ids. A swept node is remembered as gone
-- for GONE_MS: one that was only stalled may add a room before its next heartbeat (which puts its rooms
-- back); had it been forgotten, that room would count as a never-seen node's, listed for good if the node
-- died before that heartbeat. Such rooms are not listed, and each sweep removes them. So does it the
-- rooms of a node never recorded once they no longer count (see alive).
local function sweep()
  local removed = {}
  if stalled() then return removed end
  -- What an older version's sweep left of nodes it took out (it knew nothing of these hashes).
  for _, nodeId in ipairs(redis.call('HKEYS', p..'node-ttl')) do
    if redis.call('SISMEMBER', p..'nodes', nodeId) == 0 then forgetNode(nodeId) end
  end
  for _, nodeId in ipairs(redis.call('SMEMBERS', p..'nodes')) do
    if redis.call('EXISTS', p..'node:'..nodeId) == 0 then
      removeRoomsOf(nodeId, removed)
      redis.call('SREM', p..'nodes', nodeId)
      forgetNode(nodeId)
      redis.call('SET', p..'gone:'..nodeId, '1', 'PX', GONE_MS)
      redis.call('SADD', p..'gone-nodes', nodeId)
    end
  end
  for _, nodeId in ipairs(redis.call('SMEMBERS', p..'gone-nodes')) do
    if redis.call('EXISTS', p..'node:'..nodeId) == 1 then
      redis.call('SREM', p..'gone-nodes', nodeId)
    else
      removeRoomsOf(nodeId, removed)
      if redis.call('EXISTS', p..'gone:'..nodeId) == 0 then redis.call('SREM', p..'gone-nodes', nodeId) end
    end
  end
  -- The newest batch of arrivals applied (see settleArrivals) is kept while the node may still say it
  -- again: recorded, or swept not long ago.
  for _, nodeId in ipairs(redis.call('HKEYS', p..'node-arrived')) do
    if redis.call('SISMEMBER', p..'nodes', nodeId) == 0
      and redis.call('SISMEMBER', p..'gone-nodes', nodeId) == 0 then
      redis.call('HDEL', p..'node-arrived', nodeId)
    end
  end
  -- Nodes never recorded whose rooms no longer count (see alive).
  local longest = longestTtl()
  if longest > 0 then
    for _, nodeId in ipairs(redis.call('ZRANGEBYSCORE', p..'unrecorded', '-inf', nowMs() - longest)) do
      redis.call('ZREM', p..'unrecorded', nodeId)
      removeRoomsOf(nodeId, removed)
    end
  end
  return removed
end
-- Whether a node is alive, asked once per node in a script: a listing reads many rooms of few nodes, and
-- one of a node never recorded costs a read of every node's TTL. Only scripts that change no node use it.
local aliveByNode = {}
local function aliveOnce(nodeId)
  local known = aliveByNode[nodeId]
  if known == nil then
    known = alive(nodeId)
    aliveByNode[nodeId] = known
  end
  return known
end
-- The listing JSON and seat count of a live room, or nothing; and the decoded listing. For the scripts
-- that change no node (see aliveOnce).
local function liveRoom(roomId)
  local json = redis.call('GET', p..'room:'..roomId)
  if not json then return nil end
  local room = decodeRoom(json)
  if not room or not aliveOnce(room.nodeId) then return nil end
  return { json, redis.call('SCARD', p..'seats:'..roomId) }, room
end
-- Rebuilds the indexes once for a listing written before they existed: '1' marked one with the open
-- indexes only, '2' one with the public ones too (the marker is lost with everything else when Redis
-- restarts empty, which costs nothing then).
local INDEX_VERSION = '2'
local function ensureIndexes()
  if redis.call('GET', p..'indexed') == INDEX_VERSION then return end
  for _, roomId in ipairs(redis.call('ZRANGE', p..'rooms', 0, -1)) do
    local json = redis.call('GET', p..'room:'..roomId)
    if json then reindexJson(roomId, json) end
  end
  redis.call('SET', p..'indexed', INDEX_VERSION)
end
-- Puts in 'unrecorded', once, the nodes that have rooms but neither a record, nor a mark of a sweep
-- ('nodes', 'gone'), nor an entry there: a version before 'unrecorded' wrote them (this one adds every room
-- of a node with none of these to 'unrecorded', and a node leaves it only for a record, a leave or a sweep
-- that takes its rooms). That version took such a node for alive for good; this one has counted it dead
-- since (alive() finds no entry), but no sweep took its rooms, and their keys and private codes stayed for
-- good. Entered as if its last room came long ago: their lookups do not change, and the next sweep takes
-- them, as it does a node's whose TTL's grace ran out. (A node of that version still running is told at its
-- next heartbeat that it was not known, and writes its rooms again.) Marked done by 'unrecorded-kept', as
-- 'indexed' marks ensureIndexes (lost with everything else when Redis restarts empty, which costs nothing).
local function ensureUnrecordedKept()
  if redis.call('EXISTS', p..'unrecorded-kept') == 1 then return end
  local looked = {}
  for _, roomId in ipairs(redis.call('ZRANGE', p..'rooms', 0, -1)) do
    local json = redis.call('GET', p..'room:'..roomId)
    local room = json and decodeRoom(json)
    if room and not looked[room.nodeId] then
      local nodeId = room.nodeId
      looked[nodeId] = true
      if redis.call('EXISTS', p..'node:'..nodeId, p..'gone:'..nodeId) == 0
        and redis.call('SISMEMBER', p..'nodes', nodeId) == 0
        and redis.call('SISMEMBER', p..'gone-nodes', nodeId) == 0
        and not redis.call('ZSCORE', p..'unrecorded', nodeId) then
        redis.call('ZADD', p..'unrecorded', 0, nodeId)
      end
    end
  end
  redis.call('SET', p..'unrecorded-kept', '1')
end
`;

/**
 * ARGV: prefix, roomId, nodeId, createdAt, listing JSON, code ('' for none), then the player ids holding
 * seats. 1 added, 0 code taken.
 */
const addRoom = `${helpers}
local roomId, nodeId, createdAt, json, code = ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if code ~= '' then
  local holder = redis.call('GET', p..'code:'..code)
  -- A code whose room is gone (removed while its listing could not be read) is free, and so is one whose
  -- room no lookup finds (a dead node's not swept yet, or a listing that cannot be read): findByCode finds
  -- no room under it, and a creation draws its code by that lookup.
  if holder and holder ~= roomId then
    local held = redis.call('GET', p..'room:'..holder)
    local room = held and decodeRoom(held)
    if room and alive(room.nodeId) then return 0 end
  end
  redis.call('SET', p..'code:'..code, roomId)
end
-- A node with no record yet: see alive.
if redis.call('EXISTS', p..'node:'..nodeId) == 0 and redis.call('SISMEMBER', p..'nodes', nodeId) == 0
  and redis.call('EXISTS', p..'gone:'..nodeId) == 0 then
  redis.call('ZADD', p..'unrecorded', nowMs(), nodeId)
end
-- Written again under another createdAt: its order index member named the old one.
local before, room = redis.call('ZSCORE', p..'rooms', roomId), decodeRoom(json)
if before and room then redis.call('ZREM', p..'open-order:'..room.type, orderMember(before, roomId)) end
redis.call('SET', p..'room:'..roomId, json)
redis.call('DEL', p..'seats:'..roomId)
for i = 7, #ARGV do redis.call('SADD', p..'seats:'..roomId, ARGV[i]) end
redis.call('ZADD', p..'rooms', createdAt, roomId)
redis.call('SADD', p..'node-rooms:'..nodeId, roomId)
reindexJson(roomId, json)
return 1`;

/**
 * ARGV: prefix, roomId, listing JSON, the listing JSON it was made from. Rewrites a room whose listing is
 * still the one it was made from: 1 written, 0 there is none this version can read (its node writes it
 * again whole; a patch over it would stay unlisted), 2 it was written since (read it again).
 */
const setListing = `${helpers}
local roomId, json, from = ARGV[2], ARGV[3], ARGV[4]
local stored = redis.call('GET', p..'room:'..roomId)
if not stored then return 0 end
if stored ~= from then return 2 end
if not decodeRoom(stored) then return 0 end
redis.call('SET', p..'room:'..roomId, json)
reindexJson(roomId, json)
return 1`;

/** ARGV: prefix, roomId. 1 removed, 0 there was none. */
const removeRoom = `${helpers}
return removeRoom(ARGV[2])`;

/** ARGV: prefix, roomId, playerId. 0 refused, 1 already held, 2 newly taken. */
const reserveSeat = `${helpers}
local roomId, playerId = ARGV[2], ARGV[3]
local json = redis.call('GET', p..'room:'..roomId)
if not json then return 0 end
local room = decodeRoom(json)
if not room or not alive(room.nodeId) then return 0 end
local seats = p..'seats:'..roomId
if redis.call('SISMEMBER', seats, playerId) == 1 then return 1 end
if room.locked == true or redis.call('SCARD', seats) >= room.maxClients then return 0 end
redis.call('SADD', seats, playerId)
reindex(roomId, room)
return 2`;

/** ARGV: prefix, roomId, playerId. 1 released, 0 the player held no seat there. */
const releaseSeat = `${helpers}
local roomId = ARGV[2]
if redis.call('SREM', p..'seats:'..roomId, ARGV[3]) == 0 then return 0 end
local json = redis.call('GET', p..'room:'..roomId)
if json then reindexJson(roomId, json) end
return 1`;

/** ARGV: prefix, roomId. { json, seats } of a live room, or nil. */
const getRoom = `${helpers}
return (liveRoom(ARGV[2]))`;

/** ARGV: prefix, code. { json, seats } of the live room holding the code, or nil. */
const findByCode = `${helpers}
local roomId = redis.call('GET', p..'code:'..ARGV[2])
if not roomId then return nil end
return (liveRoom(roomId))`;

/**
 * ARGV: prefix, query JSON ({ type?, filter?, includeFull?, includePrivate?, includeLocked?, limit? }).
 * Flat { json, seats, json, seats, ... } of the live rooms that match, oldest first, at most `limit`; with
 * `order` (a type's open rooms only), in that order, read from the type's order index (see reindex), then
 * the type's open rooms listed with no order, oldest first. A
 * query for open rooms (no include flag: quick play, a lobby) walks the open index of its type, so its
 * cost follows the open rooms it reads, not every room of the cluster; one for public rooms full or locked
 * too walks the public index of its type; it stops at `limit`. With a limit
 * it also stops after looking at LOOK_PER_RESULT times as many rooms (at least LOOK_AT_LEAST): a filter
 * that matches few of them must not make one listing read every room of the cluster, on the thread every
 * node shares. Such a listing may then miss a match further on.
 */
const listRooms = `${helpers}
local LOOK_PER_RESULT, LOOK_AT_LEAST = 10, 256
local query = cjson.decode(ARGV[2])
local limit = tonumber(query.limit) or 0
local budget = limit > 0 and math.max(limit * LOOK_PER_RESULT, LOOK_AT_LEAST) or 0
local looked = 0
local filter = type(query.filter) == 'table' and query.filter or {}
local openOnly = query.includeFull ~= true and query.includePrivate ~= true and query.includeLocked ~= true
-- The smallest index that holds every match: a type or private rooms the query does not want must not use
-- up the rooms it looks at (hundreds of older private parties left a lobby with includeFull empty).
local source = p..'rooms'
local typed = type(query.type) == 'string'
-- One type's open rooms in its quick-play order: its order index, whose members carry their createdAt.
local byOrder = openOnly and typed and type(query.order) == 'table'
if byOrder then
  source = p..'open-order:'..query.type
elseif openOnly then
  source = typed and p..'open-type:'..query.type or p..'open'
elseif query.includePrivate ~= true then
  source = typed and p..'public-type:'..query.type or p..'public'
end
local function matches(room, seats)
  if type(query.type) == 'string' and room.type ~= query.type then return false end
  if query.includePrivate ~= true and room.private == true then return false end
  if query.includeLocked ~= true and room.locked == true then return false end
  if query.includeFull ~= true and seats >= room.maxClients then return false end
  local metadata = type(room.metadata) == 'table' and room.metadata or {}
  for key, value in pairs(filter) do
    if metadata[key] ~= value then return false end
  end
  return true
end
local out = {}
local found = 0
-- Walks \`index\` from its first entry, taking the rooms that match (and that \`wanted\`, when given, accepts):
-- true once the listing is done (\`limit\` found, or \`budget\` rooms looked at).
local function walk(index, orderMembers, wanted)
  local start = 0
  local chunk = 64
  while true do
    local ids = redis.call('ZRANGE', index, start, start + chunk - 1)
    local dropped = 0
    for _, member in ipairs(ids) do
      local roomId = orderMembers and string.sub(member, ORDER_ID_AT) or member
      local entry, room = liveRoom(roomId)
      if entry and wanted and not wanted(room) then
        -- Looked at by an earlier walk (which, not stopped, looked at fewer than the budget): not counted
        -- twice, or ordered rooms that fail a filter would use up the budget of the unordered ones.
      elseif not entry and redis.call('EXISTS', p..'room:'..roomId) == 0 then
        -- An index entry of a room that is gone: a node of an earlier version removed the room without
        -- knowing this index. Dropped, once, and not counted as looked at: kept, the oldest such entries
        -- would use up what every later listing looks at.
        redis.call('ZREM', index, member)
        dropped = dropped + 1
      else
        if entry and matches(room, entry[2]) then
          table.insert(out, entry[1])
          table.insert(out, entry[2])
          found = found + 1
          if found == limit then return true end
        end
        looked = looked + 1
        if looked == budget then return true end
      end
    end
    if #ids < chunk then return false end
    start = start + chunk - dropped
  end
end
if walk(source, byOrder, nil) then return out end
-- Then the type's open rooms listed with no order, oldest first: a node of an earlier version, or one
-- that defines the type without the order, lists its rooms in no order index (a rolling deploy that adds
-- an order). After the ordered rooms, rather than never.
if byOrder then
  walk(p..'open-type:'..query.type, false, function(room) return not ordered(room) end)
end
return out`;

/**
 * Takes the sessions that arrived at a node from each draining process (JSON [[drain, sessions], ...], as
 * the node's heartbeat gives them, numbered `batch`) off that drain's plan for the node, its rooms down to
 * as many as the sessions left: the node's load counts them from this heartbeat on (see
 * Registry.heartbeat). A node nothing is left for leaves the plan; what this version cannot read is left as
 * it is. Once per batch: 'node-arrived' keeps the newest batch applied for the node's process, and a batch
 * numbered no higher is one said again after a heartbeat whose answer was lost.
 */
const settleArrivals = `
local function settleArrivals(nodeId, bootId, batch, json)
  batch = tonumber(batch)
  if not batch or batch < 1 or batch ~= math.floor(batch) or batch > 9007199254740991 then return end
  local applied = redis.call('HGET', p..'node-arrived', nodeId)
  if applied then
    local newest, boot = string.match(applied, '^(%d+) (.*)$')
    if boot == bootId and tonumber(newest) >= batch then return end
  end
  redis.call('HSET', p..'node-arrived', nodeId, string.format('%d', batch)..' '..bootId)
  local ok, arrived = pcall(cjson.decode, json)
  if not ok or type(arrived) ~= 'table' then return end
  local now = nowMs()
  for _, item in ipairs(arrived) do
    local drain, sessions = item[1], item[2]
    local stored = type(drain) == 'string' and type(sessions) == 'number'
      and redis.call('HGET', p..'arrivals', drain)
    local read, entry = false, nil
    if stored then read, entry = pcall(cjson.decode, stored) end
    if read and type(entry) == 'table' and type(entry.expiresAt) == 'number' and entry.expiresAt > now
      and type(entry.plan) == 'table' then
      local kept = {}
      for _, target in ipairs(entry.plan) do
        if type(target) == 'table' and target[1] == nodeId and type(target[2]) == 'number'
          and type(target[3]) == 'number' then
          local left = math.max(0, target[2] - sessions)
          if left > 0 then table.insert(kept, { target[1], left, math.min(target[3], left) }) end
        else
          table.insert(kept, target)
        end
      end
      local plan = #kept == 0 and '[]' or cjson.encode(kept)
      redis.call('HSET', p..'arrivals', drain,
        '{"expiresAt":'..string.format('%d', entry.expiresAt)..',"plan":'..plan..'}')
    end
  end
end
`;

/**
 * ARGV: prefix, nodeId, NodeInfo JSON, ttlMs, bootId, held (1: this process heartbeated under the id
 * before), the sessions that arrived from drains and their batch's number ('0': none; see
 * settleArrivals). Returns { known (0|1), room ids removed }: rooms of dead nodes, and the node's own
 * when its bootId changed (a restarted process; its old rooms went with the old one) or Redis restarted
 * since the node's last heartbeat (it may hold rooms that ended since and lack rooms made since): the node adds
 * its rooms again, exactly as it has them now, whenever it is not known. A held id found live under
 * another bootId is a second process with the same id: { 2, {}, its URL }, and nothing is changed. Dead
 * nodes are swept before the node is recorded again, so a node that expired loses its old rooms even if no
 * other node heartbeated in between.
 */
const heartbeat = `${helpers}${settleArrivals}
ensureIndexes()
ensureUnrecordedKept()
local nodeId, bootId, held = ARGV[2], ARGV[5], ARGV[6] == '1'
-- Which Redis process this is (its run_id; '' when an ACL forbids INFO: no restart is seen then). Another
-- than at the last heartbeat of any node, or of this node: Redis restarted, perhaps from a snapshot, or a
-- replica took over in a failover; either may lack the newest writes and hold records that expired since.
local info = redis.pcall('INFO', 'server')
local runId = type(info) == 'string' and string.match(info, 'run_id:(%x+)') or ''
local lastRun = redis.call('GET', p..'run-id')
local redisRestarted = runId ~= '' and lastRun ~= false and lastRun ~= runId
local nodeRun = redis.call('HGET', p..'node-run', nodeId)
local restarted = runId ~= '' and nodeRun ~= false and nodeRun ~= runId
local previous = redis.call('GET', p..'node:'..nodeId)
local removed = {}
local known = 0
if previous then
  local ok, info = pcall(cjson.decode, previous)
  if ok and type(info) == 'table' and info.bootId == bootId then
    known = 1
  elseif held and ok and type(info) == 'table' then
    -- Another live process took this id after this one held it: not a restart. Touch nothing.
    return { 2, {}, tostring(info.url or '') }
  end
end
-- What is listed under the node is the node's to write again, as it has it now, when it is another
-- process under this id (its predecessor's rooms died with it: a live record of another boot, or any
-- record of the id when this process never held it) or Redis restarted. The same process whose record
-- only expired keeps its rooms to put right itself (when others heartbeated meanwhile, it was swept).
local recorded = previous or redis.call('SISMEMBER', p..'nodes', nodeId) == 1
  or redis.call('SISMEMBER', p..'gone-nodes', nodeId) == 1
if (known == 0 and recorded and (previous or not held)) or restarted then
  known = 0
  removeRoomsOf(nodeId, removed)
end
-- The first heartbeat after a stall (see stalled), or the first on a restarted Redis (whose node records
-- expired by the snapshot's times), keeps a grace of the longest TTL, so that every live node heartbeats
-- before anyone's rooms are taken for a dead node's.
if silentTooLong() or redisRestarted then
  redis.call('SET', p..'stall-grace', '1', 'PX', math.max(longestTtl(), tonumber(ARGV[4])))
end
redis.call('HSET', p..'last-beat', 'at', nowMs())
if runId ~= '' then redis.call('SET', p..'run-id', runId) end
-- Its rooms from before this first heartbeat are its own to put right (it is told it was not known).
redis.call('ZREM', p..'unrecorded', nodeId)
for _, roomId in ipairs(sweep()) do table.insert(removed, roomId) end
redis.call('SET', p..'node:'..nodeId, ARGV[3], 'PX', ARGV[4])
-- Kept beyond the record's expiry: in a stall, the node is still listed (see listNodes).
redis.call('HSET', p..'node-info', nodeId, ARGV[3])
redis.call('HSET', p..'node-ttl', nodeId, ARGV[4])
if runId ~= '' then redis.call('HSET', p..'node-run', nodeId, runId) end
redis.call('SADD', p..'nodes', nodeId)
redis.call('DEL', p..'gone:'..nodeId)
redis.call('SREM', p..'gone-nodes', nodeId)
settleArrivals(nodeId, bootId, ARGV[8], ARGV[7])
return { known, removed }`;

/**
 * ARGV: prefix, nodeId, bootId ('' for any). The node leaves now; returns room ids removed. With a bootId,
 * nothing happens while the node's live record is another process's (one this process gave the id up to).
 */
const removeNode = `${helpers}
if ARGV[3] ~= '' then
  local live = redis.call('GET', p..'node:'..ARGV[2])
  if live then
    local ok, info = pcall(cjson.decode, live)
    if ok and type(info) == 'table' and info.bootId ~= ARGV[3] then return {} end
  end
end
-- Taken out here, not left to the sweep, which a stall holds back.
local removed = {}
redis.call('DEL', p..'node:'..ARGV[2])
removeRoomsOf(ARGV[2], removed)
redis.call('SREM', p..'nodes', ARGV[2])
redis.call('ZREM', p..'unrecorded', ARGV[2])
forgetNode(ARGV[2])
redis.call('SET', p..'gone:'..ARGV[2], '1', 'PX', GONE_MS)
redis.call('SADD', p..'gone-nodes', ARGV[2])
for _, roomId in ipairs(sweep()) do table.insert(removed, roomId) end
return removed`;

/**
 * ARGV: prefix. The NodeInfo JSON of every live node: one whose record has not expired, and during a stall
 * (see stalled) every listed node, from its last heartbeat, so that joins can still be sent to it.
 */
const listNodes = `${helpers}
local stall = stalled()
local found = {}
for _, nodeId in ipairs(redis.call('SMEMBERS', p..'nodes')) do
  local json = redis.call('GET', p..'node:'..nodeId)
  if not json and stall then json = redis.call('HGET', p..'node-info', nodeId) end
  if json then table.insert(found, json) end
end
return found`;

/**
 * ARGV: prefix, the reading drain's node id. { version, the plan JSON of every other draining node } (see
 * `Registry.arrivals`); plans that expired, or that this version cannot read, are deleted as they are met.
 */
const arrivals = `${helpers}
local now = nowMs()
local plans = {}
local all = redis.call('HGETALL', p..'arrivals')
for i = 1, #all, 2 do
  local ok, entry = pcall(cjson.decode, all[i + 1])
  if not ok or type(entry) ~= 'table' or type(entry.expiresAt) ~= 'number' or entry.expiresAt <= now then
    redis.call('HDEL', p..'arrivals', all[i])
  elseif all[i] ~= ARGV[2] then
    table.insert(plans, all[i + 1])
  end
end
return { tonumber(redis.call('GET', p..'arrivals-version')) or 0, plans }`;

/**
 * ARGV: prefix, the drain's node id, its plan as JSON ([[nodeId, sessions, rooms], ...]), ttlMs, the
 * version it was planned from. 1 written in place of its previous plan, 0 another plan was written since.
 */
const planArrivals = `${helpers}
if (redis.call('GET', p..'arrivals-version') or '0') ~= ARGV[5] then return 0 end
local expiresAt = string.format('%d', nowMs() + tonumber(ARGV[4]))
redis.call('HSET', p..'arrivals', ARGV[2], '{"expiresAt":'..expiresAt..',"plan":'..ARGV[3]..'}')
redis.call('INCR', p..'arrivals-version')
return 1`;

/** ARGV: prefix, the claim's key (`RedisKeys.creating`), token. Deletes the claim if the token holds it. */
const releaseCreation = `
if redis.call('GET', ARGV[2]) == ARGV[3] then return redis.call('DEL', ARGV[2]) end
return 0`;

/**
 * A script sent whole with every call (EVAL; Redis keeps it compiled, keyed by its SHA, so a call costs the
 * bytes of its source, not a compile). Not EVALSHA with EVAL as a fallback: the first call of a script
 * on a Redis that does not hold it yet (fresh, restarted, failed over) came back NOSCRIPT and was sent
 * again after every command made meanwhile, so a seat given back and asked for again at once was asked
 * for first and refused. The room manager counts on its calls being applied in the order it makes them.
 */
export class LuaScript {
  readonly #source: string;

  constructor(source: string) {
    this.#source = source;
  }

  /** ARGV: the prefix, then `args`. */
  run(redis: RedisConnection, keys: RedisKeys, args: readonly (string | number)[]): Promise<unknown> {
    return redis.eval(this.#source, 1, keys.anchor, keys.prefix, ...args);
  }
}

export const scripts = {
  addRoom: new LuaScript(addRoom),
  removeRoom: new LuaScript(removeRoom),
  reserveSeat: new LuaScript(reserveSeat),
  releaseSeat: new LuaScript(releaseSeat),
  setListing: new LuaScript(setListing),
  getRoom: new LuaScript(getRoom),
  findByCode: new LuaScript(findByCode),
  listRooms: new LuaScript(listRooms),
  heartbeat: new LuaScript(heartbeat),
  removeNode: new LuaScript(removeNode),
  listNodes: new LuaScript(listNodes),
  arrivals: new LuaScript(arrivals),
  planArrivals: new LuaScript(planArrivals),
  releaseCreation: new LuaScript(releaseCreation),
} as const;
