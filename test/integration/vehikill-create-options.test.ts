import { ProtocolError } from 'vehikill-net/client';
import { afterAll, describe, expect, it } from 'vitest';
import { VehikillPlayers } from '../support/vehikill.js';

/*
 * A creation whose options the room refuses (a script's, or a page of another version) is answered
 * JOIN_REJECTED with a message that says which option is wrong and what it may be: valibot's own
 * ("Invalid value: Expected <=15 but received 99") named no option at all.
 */
describe('a Vehikill room created with options it refuses', () => {
  const players = new VehikillPlayers();
  afterAll(() => players.close());

  it.each([
    [{ bots: 99 }, 'bots'],
    [{ matchMinutes: 'long' }, 'matchMinutes'],
    [{ maxPlayers: 1 }, 'maxPlayers'],
    [{ relayOnly: 'yes' }, 'relayOnly'],
  ])('%j is refused, naming %s', async (options, option) => {
    await players.start({});
    const creator = players.player('creator');
    const refusal = await creator.createPrivate(options as never).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ProtocolError);
    expect((refusal as ProtocolError).code).toBe('JOIN_REJECTED');
    expect((refusal as ProtocolError).message).toContain(`'${option}'`);
    creator.close();
  });
});
