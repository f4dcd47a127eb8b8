import type { ChatLine } from '../../protocol/index.js';
import { element } from '../dom.js';
import { ui } from '../ui.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** The chat log and its input: history at joining, then live lines and notices (joins, leaves). */
export class ChatBox {
  readonly #me: () => string | undefined;

  constructor(me: () => string | undefined) {
    this.#me = me;
  }

  replace(lines: readonly ChatLine[]): void {
    ui.chatLog.replaceChildren();
    for (const line of lines) this.add(line);
  }

  add(line: ChatLine): void {
    const item = element('li');
    const time = element('time', timeFormat.format(line.at), 'at');
    time.dateTime = new Date(line.at).toISOString();
    item.append(time, element('span', line.name, line.from === this.#me() ? 'who me' : 'who'), line.text);
    this.#append(item);
  }

  notice(text: string): void {
    this.#append(element('li', text, 'notice'));
  }

  #append(item: HTMLLIElement): void {
    const log = ui.chatLog;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    log.append(item);
    while (log.childElementCount > 100) log.firstElementChild?.remove();
    // Follow the conversation, unless the reader scrolled up to read something older.
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
}
