import type { ScoreLine } from '../../client/game-session.js';
import { element } from '../dom.js';
import { ui } from '../ui.js';

/** How each peer link is shown: the path their data takes to us. */
const LINK_LABEL: Record<string, { text: string; title: string }> = {
  direct: { text: 'direct', title: 'Peer to peer (WebRTC): data and voice go straight between you.' },
  relayed: { text: 'via server', title: 'No direct connection: data goes through the server.' },
  connecting: { text: 'connecting', title: 'Setting up a connection.' },
  closed: { text: 'no link', title: 'The connection to this player is gone.' },
};

export interface PlayerMarks {
  readonly me: string | undefined;
  readonly speaking: ReadonlySet<string>;
  linkState(playerId: string): string | undefined;
}

/** The side list: every player with score, the path of our link to them, and who is talking. */
export function renderPlayers(lines: readonly ScoreLine[], marks: PlayerMarks): void {
  const sorted = [...lines].sort((a, b) => (b.score ?? 0) - (a.score ?? 0) || a.name.localeCompare(b.name));
  ui.players.replaceChildren(
    ...sorted.map((line) => {
      const item = element('li');
      item.dataset.playerId = line.playerId;
      item.append(element('span', line.name, 'player-name'));
      item.append(element('span', String(line.score ?? 0), 'player-score'));
      if (line.playerId === marks.me) item.append(element('span', 'you', 'tag'));
      if (line.bot) item.append(element('span', 'bot', 'tag'));
      const state = marks.linkState(line.playerId);
      if (state) {
        const label = LINK_LABEL[state] ?? { text: state, title: '' };
        const tag = element('span', label.text, `tag link ${state}`);
        tag.title = label.title;
        item.dataset.link = state;
        item.append(tag);
      }
      if (marks.speaking.has(line.playerId)) {
        item.dataset.speaking = 'true';
        item.append(element('span', 'speaking', 'tag speaking'));
      }
      return item;
    }),
  );
  ui.scoreboardBody.replaceChildren(
    ...sorted.map((line) => {
      const row = element('tr');
      row.append(
        element('td', line.name),
        element('td', String(line.kills ?? 0)),
        element('td', String(line.deaths ?? 0)),
        element('td', String(line.score ?? 0)),
      );
      return row;
    }),
  );
}
