/**
 * Candidates in sending order, taken one at a time: a binary heap of their indices, keyed by group (lower
 * first), then priority (higher first), then id (lower first). A budgeted snapshot takes a budget's worth
 * of a backlog that can be thousands long, so building the heap (O(n)) and popping what the fill takes
 * (O(log n) each) costs less than sorting every candidate; the order popped is the sorted order. The keys
 * live in typed arrays reused from snapshot to snapshot: no object per candidate.
 */
export class RankedOrder {
  #groups = new Uint8Array(0);
  #priorities = new Float64Array(0);
  #ids = new Float64Array(0);
  #heap = new Int32Array(0);
  #size = 0;

  /** Makes room for `count` candidates and empties the heap; then `set` each, then `build`. */
  reset(count: number): void {
    if (this.#heap.length < count) {
      const capacity = Math.max(count, this.#heap.length * 2, 16);
      this.#groups = new Uint8Array(capacity);
      this.#priorities = new Float64Array(capacity);
      this.#ids = new Float64Array(capacity);
      this.#heap = new Int32Array(capacity);
    }
    this.#size = 0;
  }

  /** The keys of the candidate at `index` (0 ≤ index < the count given to `reset`). */
  set(index: number, id: number, group: number, priority: number): void {
    this.#groups[index] = group;
    this.#priorities[index] = priority;
    this.#ids[index] = id;
  }

  /** Heaps the first `count` candidates set. */
  build(count: number): void {
    const heap = this.#heap;
    for (let index = 0; index < count; index++) heap[index] = index;
    this.#size = count;
    for (let index = (count >>> 1) - 1; index >= 0; index--) this.#siftDown(index);
  }

  /** The index of the next candidate to send, or -1 when none is left. */
  pop(): number {
    const size = this.#size;
    if (size === 0) return -1;
    const heap = this.#heap;
    const top = heap[0] as number;
    this.#size = size - 1;
    if (size > 1) {
      heap[0] = heap[size - 1] as number;
      this.#siftDown(0);
    }
    return top;
  }

  #siftDown(from: number): void {
    const heap = this.#heap;
    const size = this.#size;
    const moving = heap[from] as number;
    let at = from;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && this.#before(heap[right] as number, heap[child] as number)) child = right;
      const candidate = heap[child] as number;
      if (!this.#before(candidate, moving)) break;
      heap[at] = candidate;
      at = child;
    }
    heap[at] = moving;
  }

  /** Whether candidate `a` goes before `b`: ids are unique among candidates, so this is a total order. */
  #before(a: number, b: number): boolean {
    const groups = this.#groups;
    if (groups[a] !== groups[b]) return (groups[a] as number) < (groups[b] as number);
    const priorities = this.#priorities;
    const pa = priorities[a] as number;
    const pb = priorities[b] as number;
    // Two Infinity priorities count as equal, as the sort's `b - a` (NaN) did.
    if (pa !== pb) return pa > pb;
    return (this.#ids[a] as number) < (this.#ids[b] as number);
  }
}
