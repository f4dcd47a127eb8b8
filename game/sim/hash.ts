import type { AnyEntityType } from 'vehikill-net/sync';
import { RocketEntity, VehicleEntity } from './schema.js';
import type { World } from './world.js';

export const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the four little-endian bytes of a 32-bit word. */
export function mixWord(hash: number, word: number): number {
  let h = hash;
  for (let shift = 0; shift < 32; shift += 8) {
    h ^= (word >>> shift) & 0xff;
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

function mixEntity(hash: number, entity: AnyEntityType, id: number, state: object): number {
  let h = mixWord(hash, id);
  const values = state as Record<string, unknown>;
  const fields = entity.fields;
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] as (typeof fields)[number];
    const code = field.quantize(values[entity.fieldNames[index] as string]);
    if (typeof code !== 'number') throw new TypeError(`hashWorld: ${field.path} has no integer code`);
    h = mixWord(h, code);
  }
  return h;
}

/**
 * A 32-bit FNV-1a hash of the world's synced state, for desync detection: the tick (low and high words),
 * then the vehicle count and every vehicle's id and field codes in id order, then the same for rockets.
 * Codes are the sync layer's integers, so two worlds hash alike exactly when a client would decode the
 * same state from them. Events and the next rocket id are not state a client decodes, so they are left out.
 */
export function hashWorld(world: World): number {
  let h = FNV_OFFSET_BASIS;
  h = mixWord(h, world.tick >>> 0);
  h = mixWord(h, Math.floor(world.tick / 0x1_0000_0000));
  h = mixWord(h, world.vehicles.length);
  for (const vehicle of world.vehicles) h = mixEntity(h, VehicleEntity, vehicle.id, vehicle);
  h = mixWord(h, world.rockets.length);
  for (const rocket of world.rockets) h = mixEntity(h, RocketEntity, rocket.id, rocket);
  return h >>> 0;
}
