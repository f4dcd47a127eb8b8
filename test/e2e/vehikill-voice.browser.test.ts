import { describe, expect, it } from 'vitest';
import { isolated } from '../support/isolated.js';
import {
  cheatsOf,
  hearEachOther,
  hears,
  hearsNothingFrom,
  lifecycleMatches,
} from '../support/lifecycle-match.js';

/**
 * Voice between two players of a Vehikill match, each with a fake microphone that talks without a
 * pause: what each hears, as the other's speaking indicator in the player list shows it, when one mutes,
 * and with push-to-talk.
 */

describe.skipIf(!isolated)('Vehikill: voice in a match', () => {
  const match = lifecycleMatches();

  it('muted, a player is not heard; unmuted, heard again', async () => {
    const { server, ada, bob } = await match({});
    await hearEachOther(ada, bob);
    const talk = bob.page.getByTestId('voice');
    await talk.click();
    await expect.poll(() => talk.getAttribute('data-state')).toBe('muted');
    // Muting is his microphone only: he still hears her. (Each page is read on its own, over the same
    // seconds.)
    await Promise.all([hearsNothingFrom(ada, 'Bob'), hears(bob, 'Ada')]);
    await talk.click();
    await expect.poll(() => talk.getAttribute('data-state')).toBe('on');
    await hears(ada, 'Bob');
    expect(cheatsOf(server)).toEqual([]);
    expect(ada.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 60_000);

  it('with push-to-talk, a player is heard only while holding V', async () => {
    const { server, ada, bob } = await match({}, { adaPushToTalk: true });
    await Promise.all([hears(ada, 'Bob'), hearsNothingFrom(bob, 'Ada')]);
    await ada.page.getByTestId('arena').focus();
    await ada.page.keyboard.down('KeyV');
    await hears(bob, 'Ada');
    await ada.page.keyboard.up('KeyV');
    await hearsNothingFrom(bob, 'Ada');
    expect(cheatsOf(server)).toEqual([]);
    expect(ada.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 60_000);
});
