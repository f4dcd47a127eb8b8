/** What the players list shows about one player's connection: a short tag and its tooltip. */
export interface LinkLabel {
  /** What the tag's `data-link` and class say: a link state, or 'away'. */
  readonly kind: string;
  readonly text: string;
  readonly title: string;
}

/** How each peer link is shown: the path their data takes to us. */
const LINK_LABEL: Record<string, { text: string; title: string }> = {
  direct: { text: 'direct', title: 'Peer to peer (WebRTC): data and voice go straight between you.' },
  relayed: { text: 'via server', title: 'No working direct connection now: data goes through the server.' },
  connecting: { text: 'connecting', title: 'Setting up a connection.' },
  closed: { text: 'no link', title: 'The connection to this player is gone.' },
};

const AWAY: LinkLabel = {
  kind: 'away',
  text: 'away',
  title: 'Lost their connection: the server holds their seat for a while in case they come back.',
};

/**
 * The tag for a player: away (their connection to the server dropped; the server holds their seat) comes
 * first, whatever our link to them says: the relay link to an away player still reads 'relayed', though
 * nothing goes through it. Otherwise the link's state, if there is a link.
 */
export function linkLabel(linkState: string | undefined, away: boolean): LinkLabel | undefined {
  if (away) return AWAY;
  if (!linkState) return undefined;
  const known = LINK_LABEL[linkState];
  return { kind: linkState, text: known?.text ?? linkState, title: known?.title ?? '' };
}
