/**
 * The longest wait (ms) between two arrivals at or after `from`, counting from `from` itself: how long a
 * receiver went without a message across an outage that began then.
 */
export function longestGap(arrivals: readonly number[], from: number): number {
  let longest = 0;
  let last = from;
  for (const at of arrivals) {
    if (at < from) continue;
    longest = Math.max(longest, at - last);
    last = at;
  }
  return longest;
}
