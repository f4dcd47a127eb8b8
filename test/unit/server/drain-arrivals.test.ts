import { withoutArrivalTag } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { ArrivalTally, arrivalUrl, arrivingFrom } from '../../../src/server/rooms/drain-arrivals.js';

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
  it('counts sessions by drain until taken, then starts again', () => {
    const tally = new ArrivalTally();
    tally.note('a 1');
    tally.note('a 1');
    tally.note('b 1');
    expect(tally.take()).toEqual(
      new Map([
        ['a 1', 2],
        ['b 1', 1],
      ]),
    );
    expect(tally.take()).toEqual(new Map());
  });

  it('keeps 64 drains at most: a client naming made-up ones cannot grow it without end', () => {
    const tally = new ArrivalTally();
    for (let i = 0; i < 1_000; i++) tally.note(`made-up ${i}`);
    tally.note('made-up 0');
    const taken = tally.take();
    expect(taken.size).toBe(64);
    expect(taken.get('made-up 0')).toBe(2);
  });
});
