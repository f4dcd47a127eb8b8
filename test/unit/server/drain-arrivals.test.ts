import { withoutArrivalTag } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import {
  ArrivalTally,
  arrivalUrl,
  arrivingFrom,
  drainName,
} from '../../../src/server/rooms/drain-arrivals.js';

describe('the drain named in the URL a player is sent to', () => {
  it('is read back from the request by the node it lands on, with the token beside it', () => {
    const url = arrivalUrl('wss://eu-2.example.com/ws', 'eu-1 3f9a');
    const withToken = new URL(url);
    withToken.searchParams.set('token', 'abc');
    expect(arrivingFrom(`${withToken.pathname}${withToken.search}`)).toBe('eu-1 3f9a');
    // What the client reports is the node's URL as its operator gave it.
    expect(withoutArrivalTag(url)).toBe('wss://eu-2.example.com/ws');
    expect(arrivalUrl('', 'eu-1 3f9a')).toBe('');
  });

  it('is none for a request that names none, an empty one, or one too long to be a drain', () => {
    expect(arrivingFrom('/ws')).toBeUndefined();
    expect(arrivingFrom(undefined)).toBeUndefined();
    expect(arrivingFrom('/ws?token=abc')).toBeUndefined();
    expect(arrivingFrom('/ws?arrivingFrom=')).toBeUndefined();
    expect(arrivingFrom(`/ws?arrivingFrom=${'x'.repeat(257)}`)).toBeUndefined();
  });
});

describe('ArrivalTally', () => {
  it('says what came as a numbered batch, until a heartbeat carrying it is recorded', () => {
    const tally = new ArrivalTally();
    expect(tally.next()).toBeUndefined();
    tally.note('a');
    tally.note('a');
    tally.note('b');
    const first = tally.next();
    expect(first).toEqual({
      batch: 1,
      byDrain: new Map([
        ['a', 2],
        ['b', 1],
      ]),
    });
    // Its heartbeat failed: said again, the same batch; what came meanwhile waits for the next one.
    tally.note('c');
    expect(tally.next()).toEqual(first);
    tally.recorded(first);
    const second = tally.next();
    expect(second).toEqual({ batch: 2, byDrain: new Map([['c', 1]]) });
    tally.recorded(second);
    expect(tally.next()).toBeUndefined();
    tally.note('a');
    expect(tally.next()?.batch).toBe(3);
  });

  it('keeps 64 drains at most: a client naming made-up ones cannot grow it without end', () => {
    const tally = new ArrivalTally();
    for (let i = 0; i < 1_000; i++) tally.note(`made-up ${i}`);
    tally.note('made-up 0');
    const said = tally.next()?.byDrain;
    expect(said?.size).toBe(64);
    expect(said?.get('made-up 0')).toBe(2);
  });
});

describe('a drain name', () => {
  it('is a new random one each time, too long to guess, and fit for a URL as it is', () => {
    const names = new Set(Array.from({ length: 100 }, () => drainName()));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
