import { describe, expect, it } from 'vitest';
import { parseLoadOptions } from '../../../bench/loadtest/load-options.js';

const url = ['--url', 'ws://127.0.0.1:8080/ws'];
const base = [...url, '--rooms', '2', '--players', '4'];

describe('npm run loadtest: options', () => {
  it('accepts what the usage says', () => {
    expect(
      parseLoadOptions([
        ...base,
        '--type',
        'duel',
        '--seconds',
        '5',
        '--interval-ms',
        '250',
        '--concurrency',
        '10',
        '--stall-ms',
        '2000',
      ]),
    ).toEqual({
      urls: ['ws://127.0.0.1:8080/ws'],
      rooms: 2,
      players: 4,
      type: 'duel',
      seconds: 5,
      intervalMs: 250,
      concurrency: 10,
      stallMs: 2_000,
    });
  });

  it.each(['rooms', 'players', 'seconds', 'interval-ms', 'concurrency', 'stall-ms'])(
    'refuses a --%s that is not plain decimal digits, naming the option and the value',
    (name) => {
      // The other required options, without this one (given twice, it would be refused for that).
      const others =
        name === 'rooms' ? [...url, '--players', '4'] : name === 'players' ? [...url, '--rooms', '2'] : base;
      for (const value of ['0x10', '1e2', ' 5', '5 ', '5.0', '+5', '0b11', '0o7', '', '١٠']) {
        expect(
          () => parseLoadOptions([...others, `--${name}`, value]),
          `--${name} ${JSON.stringify(value)}`,
        ).toThrow(`--${name} must be a whole number`);
        expect(() => parseLoadOptions([...others, `--${name}`, value])).toThrow(JSON.stringify(value));
      }
    },
  );

  it('refuses counts out of range or missing', () => {
    expect(() => parseLoadOptions([...url, '--rooms', '0', '--players', '2'])).toThrow(/--rooms .* got "0"/);
    expect(() => parseLoadOptions([...url, '--rooms', '2', '--players', '65'])).toThrow(
      /--players .* got "65"/,
    );
    expect(() => parseLoadOptions([...url, '--players', '2', '--rooms'])).toThrow(/--rooms needs a value/);
  });

  it('refuses more clients than one process drives, naming --rooms and how far to lower it', () => {
    expect(() => parseLoadOptions([...url, '--rooms', '10000', '--players', '64'])).toThrow(
      /640000 clients.*at most 2000.*--rooms to 31 or fewer/s,
    );
    expect(() => parseLoadOptions([...url, '--rooms', '2001', '--players', '1'])).toThrow(
      /--rooms to 2000 or fewer/,
    );
    expect(parseLoadOptions([...url, '--rooms', '125', '--players', '16']).rooms).toBe(125);
    expect(parseLoadOptions([...url, '--rooms', '2000', '--players', '1']).rooms).toBe(2000);
  });

  it('refuses an option given twice, except --url (one per node)', () => {
    expect(() => parseLoadOptions([...url, '--rooms', '2', '--players', '4', '--rooms', '3'])).toThrow(
      '--rooms is given twice ("2", then "3"): give it once',
    );
    const twoNodes = parseLoadOptions([...url, '--url', 'ws://b/ws', '--rooms', '2', '--players', '4']);
    expect(twoNodes.urls).toHaveLength(2);
  });

  it('says which of --url, --rooms and --players is missing, not only the usage', () => {
    expect(() => parseLoadOptions(['--rooms', '2', '--players', '3'])).toThrow(/^missing --url\nusage:/);
    expect(() => parseLoadOptions(['--url', 'ws://h/ws'])).toThrow(/^missing --rooms, --players\n/);
    expect(() => parseLoadOptions([])).toThrow(/^missing --url, --rooms, --players\n/);
  });

  it('refuses a --url that is no ws:// URL with a host and a port in range, saying what is wrong', () => {
    const withUrl = (value: string) => () =>
      parseLoadOptions(['--url', value, '--rooms', '1', '--players', '1']);
    expect(withUrl('ws://localhost:99999/ws')).toThrow(
      /^--url must be a ws:\/\/ or wss:\/\/ URL, got "ws:\/\/localhost:99999\/ws": its port 99999 is not from 1 to 65535/,
    );
    expect(withUrl('ws://localhost:0/ws')).toThrow(/its port 0 is not from 1 to 65535/);
    expect(withUrl('ws://[bad')).toThrow(/got "ws:\/\/\[bad": it is not a valid URL/);
    expect(withUrl('ws://a b/ws')).toThrow(/got "ws:\/\/a b\/ws": it is not a valid URL/);
    expect(withUrl('http://localhost:8080/ws')).toThrow(/it is not a ws:\/\/ or wss:\/\/ URL/);
    expect(withUrl('ws://localhost:8080/ws,ws://b:70000/ws')).toThrow(/"ws:\/\/b:70000\/ws": its port 70000/);
    expect(parseLoadOptions(['--url', 'ws://[::1]:8080/ws', '--rooms', '1', '--players', '1']).urls).toEqual([
      'ws://[::1]:8080/ws',
    ]);
    expect(
      parseLoadOptions(['--url', 'wss://example.test/ws', '--rooms', '1', '--players', '1']).urls,
    ).toEqual(['wss://example.test/ws']);
    // A numeric password is no port.
    expect(
      parseLoadOptions(['--url', 'ws://u:1234567@example.test:8080/ws', '--rooms', '1', '--players', '1'])
        .urls,
    ).toEqual(['ws://u:1234567@example.test:8080/ws']);
    expect(withUrl('ws://u:1@example.test:99999/ws')).toThrow(/its port 99999 is not from 1 to 65535/);
  });

  it('takes --origin as browsers send it, and says how to write one that is not', () => {
    expect(parseLoadOptions(base).origin).toBeUndefined();
    expect(parseLoadOptions([...base, '--origin', 'https://game.example.com']).origin).toBe(
      'https://game.example.com',
    );
    expect(() => parseLoadOptions([...base, '--origin', 'https://game.example.com/play'])).toThrow(
      '--origin must be an origin as browsers send it, got "https://game.example.com/play": write https://game.example.com, as browsers send it',
    );
    expect(() => parseLoadOptions([...base, '--origin', 'game.example.com'])).toThrow(
      /got "game.example.com": an origin is a scheme, a host and a port/,
    );
    expect(() => parseLoadOptions([...base, '--origin', 'http://a', '--origin', 'http://b'])).toThrow(
      /--origin is given twice/,
    );
  });

  it('refuses an option with no value, not taking the next option or nothing for one', () => {
    expect(() => parseLoadOptions([...base, '--type'])).toThrow(/^--type needs a value\nusage:/);
    expect(() => parseLoadOptions([...base, '--type', '--seconds', '5'])).toThrow(/^--type needs a value/);
    expect(() => parseLoadOptions([...base, '--type', ''])).toThrow(/--type must name a room type/);
    expect(() => parseLoadOptions(['--url'])).toThrow(/^--url needs a value/);
    expect(() => parseLoadOptions([...base, '--bogus'])).toThrow(/^unknown option --bogus\nusage:/);
  });
});
