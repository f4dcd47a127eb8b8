import { describe, expect, it } from 'vitest';
import { parseBotArgs, wantsHelp } from '../../../game/bots/bot-args.js';

const url = ['--url', 'http://localhost:8080'];

describe('npm run bots: arguments', () => {
  it('accepts what the usage says', () => {
    expect(parseBotArgs([...url, '--count', '3', '--room', 'K7Q2XM', '--seconds', '2.5', '--rtc'])).toEqual({
      url: 'ws://localhost:8080/ws',
      count: 3,
      room: 'K7Q2XM',
      seconds: 2.5,
      rtc: true,
      giveUpSeconds: 30,
      origin: undefined,
    });
    expect(parseBotArgs([...url, '--give-up', '5']).giveUpSeconds).toBe(5);
  });

  it.each(['0', '1.5', 'x', '3601'])('refuses --give-up %j', (giveUp) => {
    expect(() => parseBotArgs([...url, '--give-up', giveUp])).toThrow(/^--give-up must be/);
  });

  it.each(['not a url', 'ftp://host/ws', 'localhost:8080'])(
    'refuses --url %j naming the flag, with the usage',
    (value) => {
      expect(() => parseBotArgs(['--url', value])).toThrow(
        new RegExp(`^--url ${JSON.stringify(value)} is not a server URL \\(.*\\)\nusage: npm run bots`),
      );
    },
  );

  // setTimeout turns anything past 2^31-1 ms (or Infinity) into 1 ms: the bots would stop at once.
  it.each(['Infinity', '1e10', '3000000'])(
    'refuses --seconds %s, which a timer cannot wait for',
    (seconds) => {
      expect(() => parseBotArgs([...url, '--seconds', seconds])).toThrow(/--seconds/);
    },
  );

  it.each(['0x10', '1e1', ' 2', '2 ', '+3'])('refuses --count %j: not a plain number', (count) => {
    expect(() => parseBotArgs([...url, '--count', count])).toThrow(/--count/);
  });

  it.each([
    ['an option as a value', ['--url', '--count', '3']],
    ['an option given twice', [...url, '--count', '2', '--count', '3']],
    ['an empty room code', [...url, '--room', '']],
    ['an option as the room code', [...url, '--room', '--rtc']],
  ])('refuses %s', (_what, argv) => {
    expect(() => parseBotArgs(argv)).toThrow(TypeError);
  });

  it('takes --origin as browsers send it, and says how to write one that is not', () => {
    expect(parseBotArgs([...url, '--origin', 'https://game.example.com']).origin).toBe(
      'https://game.example.com',
    );
    expect(parseBotArgs([...url, '--origin', 'http://localhost:8080']).origin).toBe('http://localhost:8080');
    expect(() => parseBotArgs([...url, '--origin', 'https://Game.example.com/'])).toThrow(
      /^--origin "https:\/\/Game.example.com\/" is no origin a browser sends: write https:\/\/game.example.com, as browsers send it\nusage:/,
    );
    expect(() => parseBotArgs([...url, '--origin', 'https://game.example.com:443'])).toThrow(
      /write https:\/\/game.example.com,/,
    );
    for (const origin of ['game.example.com', 'null', 'file:///index.html'])
      expect(() => parseBotArgs([...url, '--origin', origin]), origin).toThrow(
        /^--origin .* is no origin a browser sends: an origin is a scheme, a host and a port/,
      );
    expect(() => parseBotArgs([...url, '--origin', 'http://a', '--origin', 'http://b'])).toThrow(
      /--origin given twice/,
    );
  });

  it("joins the room of the game's invite link given as --url (http://host/?code=C)", () => {
    const invite = ['--url', 'http://localhost:8080/?code=K7Q2XM'];
    expect(parseBotArgs(invite)).toMatchObject({ url: 'ws://localhost:8080/ws', room: 'K7Q2XM' });
    expect(parseBotArgs([...invite, '--room', 'K7Q2XM']).room).toBe('K7Q2XM');
    expect(() => parseBotArgs([...invite, '--room', 'ZZZZZZ'])).toThrow(
      /^--room ZZZZZZ and the invite link's code K7Q2XM in --url name different rooms/,
    );
    // Without a code it is the page, Quick Play as before.
    expect(parseBotArgs(['--url', 'https://game.example.com/']).room).toBeUndefined();
  });

  it('asks for the usage with --help or -h', () => {
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp([...url, '-h'])).toBe(true);
    expect(wantsHelp(url)).toBe(false);
  });
});
