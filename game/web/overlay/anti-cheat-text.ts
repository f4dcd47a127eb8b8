import type { AntiCheatWarning } from '../../protocol/index.js';

/**
 * The banner for an anti-cheat warning. The server kicks once a kind's count in its window goes past
 * `limit`, so a warning at the limit is the last one: "10 of 10" read as if the player were already out,
 * and the kick came only at 11. The window's length is the server's (not sent): "lately".
 */
export function antiCheatWarningText(warning: AntiCheatWarning): string {
  const rest = warning.count >= warning.limit ? 'one more' : `more than ${warning.limit}`;
  return (
    `The server refused what this client sent (${warning.kind}: ${warning.count} lately; ` +
    `${rest} and you are removed from the match).`
  );
}
