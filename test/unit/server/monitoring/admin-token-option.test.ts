import { GameServer } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';

describe('the adminToken option', () => {
  it('is refused with spaces or a line break around it, which no bearer header could ever match', () => {
    // A token read from a secret file often ends in a newline: the header's token is read trimmed, and
    // nobody types the newline into the form, so the dashboard could never be opened.
    for (const adminToken of [
      ' admin-token-0123456789',
      'admin-token-0123456789\n',
      'admin-token-0123456789 ',
    ]) {
      expect(() => new GameServer({ adminToken }), JSON.stringify(adminToken)).toThrow(TypeError);
    }
    expect(() => new GameServer({ adminToken: 'admin-token-0123456789' })).not.toThrow();
  });
});
