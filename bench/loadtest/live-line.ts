/** The width taken when the terminal does not say (`process.stdout.columns` undefined). */
const DEFAULT_COLUMNS = 80;

/**
 * The load test's live progress line on a terminal, printed over itself. A line wider than the terminal
 * wraps over several rows, and a carriage return goes back only to the start of the last of them: each
 * print then left the rows before behind, four times a second. So each print goes back up over every row
 * the previous one took and clears from there, whatever the width; nothing of the line is cut.
 */
export class LiveLine {
  /** Rows the previous print took (0 before the first). */
  #rows = 0;

  /** What to write to replace the previous print with `text`, on a terminal `columns` wide. */
  render(text: string, columns: number | undefined): string {
    const width = columns !== undefined && columns > 0 ? columns : DEFAULT_COLUMNS;
    const up = this.#rows > 1 ? `\u001b[${this.#rows - 1}A` : '';
    // A line exactly as wide as the terminal leaves the cursor on its row (the wrap waits for a character).
    this.#rows = Math.max(1, Math.ceil(text.length / width));
    return `${up}\r\u001b[J${text}`;
  }
}
