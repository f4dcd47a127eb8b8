import type { ChatLine } from '../../protocol/index.js';

/** What the chat log shows: a line someone said, or a notice this page added itself. */
export type ChatEntry =
  | { readonly kind: 'line'; readonly line: ChatLine }
  | {
      readonly kind: 'notice';
      readonly text: string;
      /** The line shown just before it (none: it came before every line), where a redraw puts it back. */
      readonly after: ChatLine | undefined;
    };

/** The most entries the log keeps: older ones go first. */
export const MAX_CHAT_ENTRIES = 100;

/**
 * The chat log's contents, in the order shown: the session's lines, and the notices the page adds itself
 * ("Not sent: ...", match phases), which exist nowhere else. A resync hands the page the room's lines
 * again and the log is redrawn from them: the notices are kept, each after the line it followed.
 */
export class ChatEntries {
  #entries: ChatEntry[] = [];
  #lastLine: ChatLine | undefined;

  get entries(): readonly ChatEntry[] {
    return this.#entries;
  }

  add(line: ChatLine): ChatEntry {
    this.#lastLine = line;
    return this.#push({ kind: 'line', line });
  }

  notice(text: string): ChatEntry {
    return this.#push({ kind: 'notice', text, after: this.#lastLine });
  }

  /** The log with `lines` (the session's, after a resync) and the notices among them. */
  replace(lines: readonly ChatLine[]): readonly ChatEntry[] {
    // Notices by the index of the line they go after (-1: before the first), in their order.
    const placed = new Map<number, ChatEntry[]>();
    for (const entry of this.#entries) {
      if (entry.kind !== 'notice') continue;
      const at = placeAfter(lines, entry.after);
      const after = at < 0 ? undefined : lines[at];
      const here = placed.get(at) ?? [];
      here.push({ ...entry, after });
      placed.set(at, here);
    }
    const entries: ChatEntry[] = [...(placed.get(-1) ?? [])];
    lines.forEach((line, index) => {
      entries.push({ kind: 'line', line }, ...(placed.get(index) ?? []));
    });
    this.#entries = entries.slice(-MAX_CHAT_ENTRIES);
    this.#lastLine = lines.at(-1);
    return this.#entries;
  }

  #push(entry: ChatEntry): ChatEntry {
    this.#entries.push(entry);
    if (this.#entries.length > MAX_CHAT_ENTRIES) this.#entries.shift();
    return entry;
  }
}

/**
 * Where among `lines` a notice that followed `line` goes: after the same line (the resync's are new
 * objects, so matched by their fields), or, when the room no longer holds it, after the last line said
 * no later (lines come in the room's order). -1: before them all.
 */
function placeAfter(lines: readonly ChatLine[], line: ChatLine | undefined): number {
  if (line === undefined) return -1;
  for (let index = lines.length - 1; index >= 0; index--) {
    const other = lines[index] as ChatLine;
    if (other.at === line.at && other.from === line.from && other.text === line.text) return index;
  }
  for (let index = lines.length - 1; index >= 0; index--) {
    if ((lines[index] as ChatLine).at <= line.at) return index;
  }
  return -1;
}
