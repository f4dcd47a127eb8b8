import { describe, expect, it } from 'vitest';
import { EmptyRoomLedger } from '../../../src/server/rooms/empty-room-ledger.js';

const always = () => true;

describe('empty rooms per creator', () => {
  it("past the bound, the creator's longest empty room is to go", () => {
    const ledger = new EmptyRoomLedger(2);
    for (const room of ['r1', 'r2', 'r3']) ledger.created(room, ['address A', 'user u1']);
    expect(ledger.emptied('r1', always)).toEqual([]);
    expect(ledger.emptied('r2', always)).toEqual([]);
    expect(ledger.emptied('r3', always)).toEqual(['r1']);
    ledger.forget('r1');
    expect(ledger.emptyCount('address A')).toBe(2);
    expect(ledger.emptyCount('user u1')).toBe(2);
  });

  it('counts by address and by identity apart: either past the bound is enough', () => {
    const ledger = new EmptyRoomLedger(1);
    // One identity from two addresses: its address counts stay under the bound, its own does not.
    ledger.created('r1', ['address A', 'user u1']);
    ledger.created('r2', ['address B', 'user u1']);
    // Two identities behind one address (a NAT).
    ledger.created('r3', ['address B', 'user u2']);
    expect(ledger.emptied('r1', always)).toEqual([]);
    expect(ledger.emptied('r2', always)).toEqual(['r1']);
    ledger.forget('r1');
    expect(ledger.emptied('r3', always)).toEqual(['r2']);
  });

  it('a room that filled again no longer counts, and goes to the back when it empties again', () => {
    const ledger = new EmptyRoomLedger(2);
    for (const room of ['r1', 'r2', 'r3']) ledger.created(room, ['address A']);
    ledger.emptied('r1', always);
    ledger.emptied('r2', always);
    // r1 has a player again (or one joining): it is not empty, and never to be disposed for this.
    expect(ledger.emptied('r3', (room) => room !== 'r1')).toEqual([]);
    expect(ledger.emptyCount('address A')).toBe(2);
    // Emptied again: now the newest empty room, so r2 is the longest empty.
    expect(ledger.emptied('r1', always)).toEqual(['r2']);
  });

  it('forgets disposed rooms and creators with nothing counted', () => {
    const ledger = new EmptyRoomLedger(4);
    ledger.created('r1', ['address A', 'user u1']);
    ledger.emptied('r1', always);
    expect(ledger.creators).toBe(2);
    ledger.forget('r1');
    expect(ledger.creators).toBe(0);
    expect(ledger.emptied('r1', always)).toEqual([]); // a room it does not know counts against no one
    expect(ledger.creators).toBe(0);
  });

  it('with a bound of 0, a room is to go as soon as it is empty', () => {
    const ledger = new EmptyRoomLedger(0);
    ledger.created('r1', ['address A']);
    expect(ledger.emptied('r1', always)).toEqual(['r1']);
  });
});
