import { entity, entityRegistry, int, SchemaError } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Dot = entity('dot', { x: int({ min: 0, max: 10 }) });

describe('entityRegistry', () => {
  // A type that is undefined (a missing export, a typo in plain JavaScript) or a hole in the list failed
  // with "Cannot read properties of undefined" from deep inside, or not at all until a snapshot.
  it.each([
    ['undefined', [Dot, undefined], 'the type at index 1 is not an entity type (undefined)'],
    // biome-ignore lint/suspicious/noSparseArray: the hole is the case under test
    ['a hole', [Dot, , Dot], 'the type at index 1 is not an entity type (undefined)'],
    [
      'an object entity() did not make',
      [{ name: 'x' }, Dot],
      'the type at index 0 is not an entity type (object)',
    ],
    ['a string', [Dot, 'ship'], 'the type at index 1 is not an entity type (string)'],
  ])('refuses %s among its types, naming the index', (_, types, problem) => {
    expect(() => entityRegistry(types as never)).toThrow(new SchemaError('entityRegistry', problem));
  });

  it('still takes the types entity() made', () => {
    const Rock = entity('rock', { size: int({ min: 0, max: 3 }) });
    expect(entityRegistry([Dot, Rock]).types).toEqual([Dot, Rock]);
  });
});
