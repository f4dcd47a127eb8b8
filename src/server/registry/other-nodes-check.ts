import type { NodeInfo, Registry } from './registry.js';

/** This node as the registry lists it. */
export interface ThisNode {
  nodeId: string;
  /** Its public URL. */
  url: string;
}

/**
 * A warning about this node's configuration that matters only once other nodes share its registry: the
 * line to print, given this node and the others (`id at url, ...`), or undefined when there is nothing to say.
 */
export type OtherNodesWarning = (self: ThisNode, others: string) => string | undefined;

/** The wait (ms) after the first listing that found the node alone; each next one waits twice as long. */
const FIRST_WAIT_MS = 2_000;
/**
 * The longest wait (ms) between two listings: a node alone for good lists the nodes once a minute, a Redis
 * round trip that costs nothing, rather than at every heartbeat. A second node that comes says so itself
 * at its first heartbeat (it finds this one); this one follows within this wait.
 */
const LONGEST_WAIT_MS = 60_000;

/**
 * Says once each warning about this node's configuration that matters as soon as the registry lists another
 * live node, to which players are sent (a redirect, a drain): guest tokens good nowhere else, a public URL
 * no other machine can open. A Redis registry alone tells nothing (one node may use it to outlive
 * restarts), nor does an in-memory one (several servers of one process may share it). A record at this
 * node's own URL under another id is no second node: it is this node's crashed predecessor, which expires
 * (a node without NODE_ID takes a new random id at each start).
 */
export class OtherNodesCheck {
  readonly #warnings: readonly OtherNodesWarning[];
  #said = false;
  /** When the next listing is due (clock ms): see `check`. */
  #nextAt = Number.NEGATIVE_INFINITY;
  #wait = FIRST_WAIT_MS;

  constructor(warnings: readonly OtherNodesWarning[]) {
    this.#warnings = warnings;
  }

  /**
   * Lists the nodes (at a heartbeat that went through, `now` by the server's clock) until another one shows
   * up, then says each warning once. While the node is alone, ever more seldom: after 2, 4, 8, ... s, then
   * once a minute.
   */
  async check(registry: Registry, self: ThisNode, now: number): Promise<void> {
    if (this.#said || now < this.#nextAt) return;
    this.#nextAt = now + this.#wait;
    this.#wait = Math.min(this.#wait * 2, LONGEST_WAIT_MS);
    // A failed listing is the heartbeat's business, told by it: this waits for the next one.
    const nodes = await registry.listNodes().catch((): NodeInfo[] => []);
    const others = nodes.filter((node) => node.nodeId !== self.nodeId && node.url !== self.url);
    if (others.length === 0 || this.#said) return;
    this.#said = true;
    const named = others.map((node) => `${node.nodeId} at ${node.url}`).join(', ');
    for (const warning of this.#warnings) {
      const line = warning(self, named);
      if (line !== undefined) console.warn(line);
    }
  }
}
