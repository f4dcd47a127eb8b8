import { type GameServerOptions, RedisRegistry } from 'vehikill-net/server';
import { useRedis } from './redis.js';

/**
 * Server options for the two registries, by name, for a file whose tests run against both (`describe.each`):
 * the in-memory default, and a Redis registry on a throwaway redis-server that starts before the file's
 * tests and stops after them. Each Redis registry has a key prefix of its own (`prefix` and a number), so
 * no test sees another's rooms. Call it at the top level of the test file.
 */
export function bothRegistries(prefix: string): Record<string, () => Promise<GameServerOptions>> {
  const redis = useRedis();
  let prefixes = 0;
  return {
    memory: async () => ({}),
    redis: async () => ({
      registry: await RedisRegistry.connect({ url: redis.url, keyPrefix: `${prefix}${prefixes++}:` }),
    }),
  };
}
