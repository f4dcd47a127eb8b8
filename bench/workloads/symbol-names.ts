/**
 * One name for a native function as callgrind and perf both print it. Callgrind gives C++ functions
 * their return type, parameters and `const`, and marks functions in a cycle of calls (`'2`); perf gives
 * the qualified name alone. Under valgrind, libc picks the variant of `memmove` or `memset` for the CPU
 * valgrind presents (`__memmove_avx_unaligned_erms` where the machine runs
 * `__memmove_avx512_unaligned_erms`), so variants go by the family's name. V8's JavaScript (`JS:` names
 * from the perf map) is the same on both sides and stays as it is, as do the kernel's (perf's alone).
 */
export function comparableName(name: string): string {
  if (name.startsWith('JS:') || name.startsWith('[kernel] ')) return name;
  let bare = name.replace(/'\d+$/, '').replace(/ const$/, '');
  if (bare.endsWith(')')) {
    const open = matchingOpen(bare, bare.length - 1);
    if (open > 0) bare = bare.slice(0, open);
  }
  const space = lastTopLevelSpace(bare);
  if (space >= 0) bare = bare.slice(space + 1);
  const libc = /^__(memmove|memcpy|memset|memcmp|memchr|strlen)_[a-z0-9_]+$/.exec(bare);
  if (libc !== null) return `__${libc[1] === 'memcpy' ? 'memmove' : libc[1]} (any variant)`;
  return bare;
}

/** Where the bracket closed at `close` opens, counting nested (), <> and []; -1 when it never does. */
function matchingOpen(text: string, close: number): number {
  let depth = 0;
  for (let at = close; at >= 0; at--) {
    const char = text[at];
    if (char === ')' || char === '>' || char === ']') depth++;
    else if (char === '(' || char === '<' || char === '[') {
      depth--;
      if (depth === 0) return at;
    }
  }
  return -1;
}

/** The last space outside any brackets: what comes before it is a return type. */
function lastTopLevelSpace(text: string): number {
  let depth = 0;
  let found = -1;
  for (let at = 0; at < text.length; at++) {
    const char = text[at];
    if (char === '(' || char === '<' || char === '[') depth++;
    else if (char === ')' || char === '>' || char === ']') depth--;
    else if (char === ' ' && depth === 0) found = at;
  }
  return found;
}
