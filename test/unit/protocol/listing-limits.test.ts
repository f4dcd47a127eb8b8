import * as v from 'valibot';
import {
  decodeFrame,
  flatRecord,
  Kind,
  METADATA_LIMITS,
  metadataProblem,
  readRooms,
  serverToClientKinds,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { roomInfo } from './message-examples.js';
import { raw } from './raw-frames.js';

/**
 * Room metadata reaches every lobby: what the listing schema refuses is refused where it is set
 * (`metadataProblem`), and a listing is read room by room (`readRooms`), so one bad room never takes the
 * lobby with it.
 */

describe('room metadata', () => {
  it('takes what the listing schema takes', () => {
    const full = Object.fromEntries(
      Array.from({ length: METADATA_LIMITS.entries }, (_, i) => [
        `key-${i}-`.padEnd(32, 'x'),
        'y'.repeat(128),
      ]),
    );
    expect(metadataProblem(full)).toBeUndefined();
    expect(v.safeParse(flatRecord, full).success).toBe(true);
    expect(v.safeParse(flatRecord, { ...full, one: 'more' }).success).toBe(false);
    expect(metadataProblem({ mode: 'ffa', level: -3.5, ranked: true })).toBeUndefined();
  });

  it.each([
    ['a 200-character string', { title: 'x'.repeat(200) }, "'title' is 200 characters long: at most 128"],
    [
      '17 entries',
      Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])),
      'has 17 entries: at most 16',
    ],
    ['a 36-character key', { ['a'.repeat(36)]: 1 }, 'is 36 characters long: keys are 1 to 32'],
    ['an empty key', { '': 1 }, 'is 0 characters long: keys are 1 to 32'],
    ['NaN', { n: Number.NaN }, "'n' is NaN: numbers must be finite"],
    ['Infinity', { n: Number.POSITIVE_INFINITY }, "'n' is Infinity: numbers must be finite"],
    ['a __proto__ key', JSON.parse('{"__proto__": 1}'), '__proto__'],
    ['an object value', { o: {} }, "'o' is an object: values are strings, numbers or booleans"],
    ['a null value', { o: null }, "'o' is null"],
    ['an array', [1], 'must be a map'],
  ])('refuses %s, naming the limit', (_name, metadata, said) => {
    expect(metadataProblem(metadata)).toContain(said);
  });
});

describe('readRooms', () => {
  it('leaves out the entries it cannot read, counts them and says why the first one was', () => {
    const bad = { ...roomInfo, roomId: 'room-bad', metadata: { title: 'x'.repeat(200) } };
    const read = readRooms([roomInfo, bad, { nonsense: true }, { ...roomInfo, roomId: 'room-two' }]);
    expect(read?.rooms.map((room) => room.roomId)).toEqual([roomInfo.roomId, 'room-two']);
    expect(read?.skipped).toBe(2);
    expect(read?.problem).toMatch(/^rooms\.1\.metadata\.title: /);
    expect(readRooms('not a list')).toBeUndefined();
  });

  it('a RoomList with a bad entry still decodes: the client leaves that entry out', () => {
    const bad = { ...roomInfo, metadata: { ['k'.repeat(33)]: 1 } };
    const decoded = decodeFrame(raw(Kind.RoomList, { rooms: [bad, roomInfo] }), serverToClientKinds);
    expect(readRooms((decoded.message.body as { rooms: unknown }).rooms)?.rooms).toEqual([roomInfo]);
  });
});
