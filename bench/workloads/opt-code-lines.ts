/**
 * The parts of callgrind-lines.ts that read its two inputs: callgrind's counts by instruction address
 * (`--dump-instr=yes`), and V8's printed optimized code (`--print-opt-code --code-comments`).
 */
/**
 * Each instruction address's own count (`--dump-instr=yes`). Positions are compressed: absolute, `+N`/`-N`
 * from the previous one (decimal), or `*` (the same). The line after `calls=` is a call's inclusive cost:
 * its position counts for the next line, its cost is the callee's, not this instruction's.
 */
export function instructionCounts(text: string): Map<number, number> {
  const counts = new Map<number, number>();
  let address = 0;
  let callCost = false;
  for (const line of text.split('\n')) {
    const first = line.charCodeAt(0);
    const isPosition =
      (first >= 0x30 && first <= 0x39) ||
      line.startsWith('+') ||
      line.startsWith('-') ||
      line.startsWith('*');
    if (!isPosition) {
      if (line.startsWith('calls=')) callCost = true;
      continue;
    }
    const [where, , cost] = line.split(' ');
    address = nextPosition(where as string, address);
    if (cost === undefined) continue;
    if (callCost) {
      callCost = false;
      continue;
    }
    counts.set(address, (counts.get(address) ?? 0) + Number(cost));
  }
  return counts;
}

function nextPosition(text: string, previous: number): number {
  if (text === '*') return previous;
  if (text.startsWith('+')) return previous + Number(text.slice(1));
  if (text.startsWith('-')) return previous - Number(text.slice(1));
  return text.startsWith('0x') ? Number.parseInt(text, 16) : Number(text);
}

/** One optimized version of the function as V8 printed it. */
export interface Version {
  /** The function's own text, from its parameter list on, and where that starts in its script. */
  source: string;
  sourceStart: number;
  /** Code offset and address of each instruction. */
  instructions: { offset: number; address: number }[];
  /** Code offset → source position, ascending by offset. */
  positions: { offset: number; position: number }[];
}

export function versions(log: string, name: string): Version[] {
  const lines = log.split('\n');
  const found: Version[] = [];
  let source = '';
  for (let at = 0; at < lines.length; at++) {
    if (lines[at] === '--- Raw source ---') {
      const end = lines.indexOf('--- Optimized code ---', at);
      if (end < 0) break;
      source = lines.slice(at + 1, end).join('\n');
      at = end;
      const header = new Map<string, string>();
      for (at++; at < lines.length && !(lines[at] as string).startsWith('Instructions'); at++) {
        const [key, value] = (lines[at] as string).split(' = ');
        if (value !== undefined) header.set(key as string, value);
      }
      const version: Version = {
        source,
        sourceStart: Number(header.get('source_position')),
        instructions: [],
        positions: [],
      };
      for (at++; at < lines.length && !(lines[at] as string).startsWith('Source positions'); at++) {
        const match = /^0x([0-9a-f]+)\s+([0-9a-f]+)\s/.exec(lines[at] as string);
        if (match !== null) {
          version.instructions.push({
            address: Number.parseInt(match[1] as string, 16),
            offset: Number.parseInt(match[2] as string, 16),
          });
        }
      }
      for (at += 2; at < lines.length; at++) {
        const match = /^\s*([0-9a-f]+)\s+(\d+)\s*$/.exec(lines[at] as string);
        if (match === null) break;
        version.positions.push({
          offset: Number.parseInt(match[1] as string, 16),
          position: Number(match[2]),
        });
      }
      if (header.get('name') === name) found.push(version);
    }
  }
  return found;
}

/** The source position of the code at `offset`: the table's last entry at or before it. */
export function positionAt(positions: Version['positions'], offset: number): number {
  let low = 0;
  let high = positions.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((positions[middle] as Version['positions'][number]).offset <= offset) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found < 0 ? -1 : (positions[found] as Version['positions'][number]).position;
}

/** The line of `text` holding offset `at`: its number (from 1) and its text. */
function lineAt(text: string, at: number): string {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const end = text.indexOf('\n', at);
  const number = text.slice(0, at).split('\n').length;
  return `${number}: ${text
    .slice(start, end < 0 ? undefined : end)
    .trim()
    .slice(0, 100)}`;
}

export function describe(version: Version, position: number, script: string | undefined): string {
  const at = position - version.sourceStart;
  if (position >= 0 && at >= 0 && at < version.source.length) {
    return `function line ${lineAt(version.source, at)}`;
  }
  if (script !== undefined && position >= 0 && position < script.length) {
    return `inlined, script line ${lineAt(script, position)}`;
  }
  return `inlined, position ${position}`;
}

/** The version's instructions summed by the source position of their code, with `counts` by address. */
export function countsByPosition(version: Version, counts: ReadonlyMap<number, number>): Map<number, number> {
  const byPosition = new Map<number, number>();
  for (const { address, offset } of version.instructions) {
    const position = positionAt(version.positions, offset);
    byPosition.set(position, (byPosition.get(position) ?? 0) + (counts.get(address) ?? 0));
  }
  return byPosition;
}
