/**
 * The contract between the Vehikill room, the browser client and the bots: the room type and its create
 * options, room messages each way, the sync entity types, and what players send each other. Runs in
 * Node and browsers alike (no Node built-ins, no DOM).
 */
export { GAME_ENTITY_TYPES } from '../net/protocol/entity-types.js';
export * from './peer-messages.js';
export * from './room-messages.js';
export * from './room-options.js';
