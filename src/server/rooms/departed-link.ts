import type { Link } from '../../transport/core.js';

/**
 * What a `RoomClient` the room kept past the player's leave (or past its own disposal) gives as its
 * `link`: the player's server link serves whatever room they are in now, so through this one nothing is
 * sent (false, as a closed link answers), nothing is heard, and closing it closes nothing. Its stats and
 * quality are the player's link's, read-only.
 */
export function departedLink(link: Link): Link {
  return {
    state: 'closed',
    send: () => false,
    sendTagged: () => false,
    onMessage: () => () => {},
    onState: () => () => {},
    stats: () => link.stats(),
    quality: link.quality,
    close: () => {},
  };
}
