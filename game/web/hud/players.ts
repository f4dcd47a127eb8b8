import type { ScoreLine } from '../../client/game-session.js';
import { element } from '../dom.js';
import { ui } from '../ui.js';
import { linkLabel } from './link-label.js';

export interface PlayerMarks {
  readonly me: string | undefined;
  readonly speaking: ReadonlySet<string>;
  linkState(playerId: string): string | undefined;
  /** The player's connection to the server dropped: their seat is held for the grace period. */
  away(playerId: string): boolean;
}

/**
 * The side list: every player with score, the path of our link to them (or that they are away), and who
 * is talking.
 */
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
      const away = marks.away(line.playerId);
      if (away) item.dataset.away = 'true';
      const label = linkLabel(marks.linkState(line.playerId), away);
      if (label) {
        const tag = element('span', label.text, `tag link ${label.kind}`);
        tag.title = label.title;
        item.dataset.link = label.kind;
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
