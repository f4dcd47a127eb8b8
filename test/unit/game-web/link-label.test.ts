import { describe, expect, it } from 'vitest';
import { linkLabel } from '../../../game/web/hud/link-label.js';

describe('linkLabel', () => {
  it('shows an away player as away, whatever our link to them says', () => {
    for (const state of ['relayed', 'direct', 'connecting', undefined]) {
      expect(linkLabel(state, true)).toMatchObject({ kind: 'away', text: 'away' });
    }
  });

  it('shows a present player by the path of our link', () => {
    expect(linkLabel('relayed', false)).toMatchObject({ kind: 'relayed', text: 'via server' });
    expect(linkLabel('direct', false)).toMatchObject({ kind: 'direct', text: 'direct' });
    expect(linkLabel(undefined, false)).toBeUndefined();
    expect(linkLabel('odd', false)).toEqual({ kind: 'odd', text: 'odd', title: '' });
  });
});
