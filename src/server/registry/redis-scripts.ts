import { createHash } from 'node:crypto';
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
-- A node that has heartbeated and whose key expired is dead; one never seen is taken as alive.
local function alive(nodeId)
  return redis.call('SISMEMBER', p..'nodes', nodeId) == 0 or redis.call('EXISTS', p..'node:'..nodeId) == 1
end
local function removeRoom(roomId)
  redis.call('ZREM', p..'rooms', roomId)
  local json = redis.call('GET', p..'room:'..roomId)
  if not json then return 0 end
  local room = cjson.decode(json)
  redis.call('DEL', p..'room:'..roomId, p..'seats:'..roomId)
  redis.call('SREM', p..'node-rooms:'..room.nodeId, roomId)
  if type(room.code) == 'string' and redis.call('GET', p..'code:'..room.code) == roomId then
    redis.call('DEL', p..'code:'..room.code)
  end
  return 1
end
-- Removes dead nodes and their rooms; returns the removed room ids.
local function sweep()
  local removed = {}
  for _, nodeId in ipairs(redis.call('SMEMBERS', p..'nodes')) do
    if redis.call('EXISTS', p..'node:'..nodeId) == 0 then
      for _, roomId in ipairs(redis.call('SMEMBERS', p..'node-rooms:'..nodeId)) do
        if removeRoom(roomId) == 1 then table.insert(removed, roomId) end
      end
      redis.call('DEL', p..'node-rooms:'..nodeId)
      redis.call('SREM', p..'nodes', nodeId)
    end
  end
  return removed
end
-- The listing JSON and seat count of a live room, or nothing.
local function liveRoom(roomId)
  local json = redis.call('GET', p..'room:'..roomId)
  if not json then return nil end
  local room = cjson.decode(json)
  if not alive(room.nodeId) then return nil end
  return { json, redis.call('SCARD', p..'seats:'..roomId) }
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
  if holder and holder ~= roomId then return 0 end
  redis.call('SET', p..'code:'..code, roomId)
end
redis.call('SET', p..'room:'..roomId, json)
redis.call('DEL', p..'seats:'..roomId)
for i = 7, #ARGV do redis.call('SADD', p..'seats:'..roomId, ARGV[i]) end
redis.call('ZADD', p..'rooms', createdAt, roomId)
redis.call('SADD', p..'node-rooms:'..nodeId, roomId)
return 1`;

/** ARGV: prefix, roomId. 1 removed, 0 there was none. */
const removeRoom = `${helpers}
return removeRoom(ARGV[2])`;

/** ARGV: prefix, roomId, playerId. 0 refused, 1 already held, 2 newly taken. */
const reserveSeat = `${helpers}
local roomId, playerId = ARGV[2], ARGV[3]
local json = redis.call('GET', p..'room:'..roomId)
if not json then return 0 end
local room = cjson.decode(json)
if not alive(room.nodeId) then return 0 end
local seats = p..'seats:'..roomId
if redis.call('SISMEMBER', seats, playerId) == 1 then return 1 end
if room.locked == true or redis.call('SCARD', seats) >= room.maxClients then return 0 end
redis.call('SADD', seats, playerId)
return 2`;

/** ARGV: prefix, roomId. { json, seats } of a live room, or nil. */
const getRoom = `${helpers}
return liveRoom(ARGV[2])`;

/** ARGV: prefix, code. { json, seats } of the live room holding the code, or nil. */
const findByCode = `${helpers}
local roomId = redis.call('GET', p..'code:'..ARGV[2])
if not roomId then return nil end
return liveRoom(roomId)`;

/** ARGV: prefix. Flat { json, seats, json, seats, ... } of live rooms, oldest first. */
const listRooms = `${helpers}
local out = {}
for _, roomId in ipairs(redis.call('ZRANGE', p..'rooms', 0, -1)) do
  local room = liveRoom(roomId)
  if room then
    table.insert(out, room[1])
    table.insert(out, room[2])
  end
end
return out`;

/**
 * ARGV: prefix, nodeId, NodeInfo JSON, ttlMs, bootId. Returns { known (0|1), room ids removed }: rooms of
 * dead nodes, and the node's own when its bootId changed (a restarted process; its old rooms went with
 * the old one). Dead nodes are swept before the node is recorded again, so a node that expired loses
 * its old rooms even if no other node heartbeated in between.
 */
const heartbeat = `${helpers}
local nodeId, bootId = ARGV[2], ARGV[5]
local previous = redis.call('GET', p..'node:'..nodeId)
local removed = {}
local known = 0
if previous then
  local ok, info = pcall(cjson.decode, previous)
  if ok and type(info) == 'table' and info.bootId == bootId then
    known = 1
  else
    for _, roomId in ipairs(redis.call('SMEMBERS', p..'node-rooms:'..nodeId)) do
      if removeRoom(roomId) == 1 then table.insert(removed, roomId) end
    end
    redis.call('DEL', p..'node-rooms:'..nodeId)
  end
end
for _, roomId in ipairs(sweep()) do table.insert(removed, roomId) end
redis.call('SET', p..'node:'..nodeId, ARGV[3], 'PX', ARGV[4])
redis.call('SADD', p..'nodes', nodeId)
return { known, removed }`;

/** ARGV: prefix, nodeId. The node leaves now; returns room ids removed. */
const removeNode = `${helpers}
redis.call('DEL', p..'node:'..ARGV[2])
redis.call('SADD', p..'nodes', ARGV[2])
return sweep()`;

/** Runs by SHA, loading the script when Redis does not have it (first use, or after a restart). */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  /** ARGV: the prefix, then `args`. */
  async run(redis: RedisConnection, keys: RedisKeys, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.#sha, 1, keys.anchor, keys.prefix, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.#source, 1, keys.anchor, keys.prefix, ...args);
    }
  }
}

export const scripts = {
  addRoom: new LuaScript(addRoom),
  removeRoom: new LuaScript(removeRoom),
  reserveSeat: new LuaScript(reserveSeat),
  getRoom: new LuaScript(getRoom),
  findByCode: new LuaScript(findByCode),
  listRooms: new LuaScript(listRooms),
  heartbeat: new LuaScript(heartbeat),
  removeNode: new LuaScript(removeNode),
} as const;
