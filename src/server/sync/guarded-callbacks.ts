import { type EntityRecord, Tier } from '../../sync/index.js';
import { memberName } from './member-name.js';

/** The app's callbacks of RoomSync that run while a member's snapshot is written. */
export interface SyncCallbacks<M> {
  priority?: ((client: M, id: number, entity: EntityRecord) => number) | undefined;
  tier?: ((client: M, id: number, entity: EntityRecord) => Tier) | undefined;
  visible?: ((client: M, id: number, entity: EntityRecord) => boolean) | undefined;
  viewGroup?: ((client: M) => unknown) | undefined;
}

/**
 * Told of a callback that threw or returned what it must not; `describe` (what failed and what was used
 * instead, and the error) is for when it is said, not built for every failure.
 */
export type CallbackFailed = (
  callback: keyof SyncCallbacks<unknown>,
  describe: () => { readonly what: string; readonly error: unknown },
) => void;

/**
 * The callbacks, each made safe for the one call it is: one that throws, or returns what it must not,
 * is reported and replaced for that call by what hurts least (priority 0, the normal tier, the entity out
 * of the view, a view of the member's own), so that one player's odd state (no position yet, say) costs
 * neither that member its snapshot nor the members after it theirs. Absent callbacks stay absent.
 */
export function guardCallbacks<M>(callbacks: SyncCallbacks<M>, failed: CallbackFailed): SyncCallbacks<M> {
  const { priority, tier, visible, viewGroup } = callbacks;
  const on = (client: M, id: number, entity: EntityRecord) =>
    `${memberName(client)} on entity ${id} (${entity.type.name})`;
  return {
    priority:
      priority &&
      ((client, id, entity) => {
        let value: unknown;
        try {
          value = priority(client, id, entity);
        } catch (error) {
          failed('priority', () => ({
            what: `priority threw for ${on(client, id, entity)}; it counts as 0`,
            error,
          }));
          return 0;
        }
        if (typeof value === 'number' && !Number.isNaN(value)) return value;
        failed('priority', () => ({
          what: `priority failed for ${on(client, id, entity)}; it counts as 0`,
          error: new RangeError(`priority returned ${shown(value)}, not a number`),
        }));
        return 0;
      }),
    tier:
      tier &&
      ((client, id, entity) => {
        let value: unknown;
        try {
          value = tier(client, id, entity);
        } catch (error) {
          failed('tier', () => ({
            what: `tier threw for ${on(client, id, entity)}; it counts as normal`,
            error,
          }));
          return Tier.normal;
        }
        if (value === Tier.critical || value === Tier.normal || value === Tier.ambient) return value;
        failed('tier', () => ({
          what: `tier failed for ${on(client, id, entity)}; it counts as normal`,
          error: new RangeError(`tier returned ${shown(value)}, not critical, normal or ambient`),
        }));
        return Tier.normal;
      }),
    visible:
      visible &&
      ((client, id, entity) => {
        let value: unknown;
        try {
          value = visible(client, id, entity);
        } catch (error) {
          // Left out rather than shown: what a fog of war hides must not leak through a bug.
          failed('visible', () => ({
            what: `visible threw for ${on(client, id, entity)}; the entity is left out`,
            error,
          }));
          return false;
        }
        if (typeof value === 'boolean') return value;
        // Truthy junk (a string, a promise from an async callback) would show the entity.
        failed('visible', () => ({
          what: `visible failed for ${on(client, id, entity)}; the entity is left out`,
          error: new TypeError(`visible returned ${shown(value)}, not true or false`),
        }));
        return false;
      }),
    viewGroup:
      viewGroup &&
      ((client) => {
        let key: unknown;
        try {
          key = viewGroup(client);
        } catch (error) {
          failed('viewGroup', () => ({
            what: `viewGroup threw for ${memberName(client)}; it gets a view of its own`,
            error,
          }));
          return client;
        }
        if (!isThenable(key)) return key;
        // An async callback: a new key at every call moved the member to a view of its own at every tick,
        // where it never came in step and was never sent a shared body.
        failed('viewGroup', () => ({
          what: `viewGroup failed for ${memberName(client)}; it gets a view of its own`,
          error: new TypeError('viewGroup returned a promise, not a key'),
        }));
        return client;
      }),
  };
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A value as an error message shows it: strings quoted, so that "3" is not taken for 3. */
function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
