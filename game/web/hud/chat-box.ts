import type { ChatLine } from '../../protocol/index.js';
import { element } from '../dom.js';
import { ui } from '../ui.js';
import { ChatEntries, type ChatEntry, MAX_CHAT_ENTRIES } from './chat-entries.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * The chat log and its input: history at joining, then live lines and notices (joins, leaves, "Not
 * sent"). A redraw from the session's lines (after a resync) keeps the notices (ChatEntries).
 */
export class ChatBox {
  readonly #me: () => string | undefined;
  readonly #entries = new ChatEntries();

  constructor(me: () => string | undefined) {
    this.#me = me;
  }

  replace(lines: readonly ChatLine[]): void {
    ui.chatLog.replaceChildren();
    for (const entry of this.#entries.replace(lines)) this.#append(this.#render(entry));
  }

  add(line: ChatLine): void {
    this.#append(this.#render(this.#entries.add(line)));
  }

  notice(text: string): void {
    this.#append(this.#render(this.#entries.notice(text)));
  }

  #render(entry: ChatEntry): HTMLLIElement {
    if (entry.kind === 'notice') return element('li', entry.text, 'notice');
    const { line } = entry;
    const item = element('li');
    const time = element('time', timeFormat.format(line.at), 'at');
    time.dateTime = new Date(line.at).toISOString();
    item.append(time, element('span', line.name, line.from === this.#me() ? 'who me' : 'who'), line.text);
    return item;
  }

  #append(item: HTMLLIElement): void {
    const log = ui.chatLog;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
    log.append(item);
    while (log.childElementCount > MAX_CHAT_ENTRIES) log.firstElementChild?.remove();
    // Follow the conversation, unless the reader scrolled up to read something older.
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
}
