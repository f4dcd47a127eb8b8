import type { NodeInfo, Registry } from '../registry/registry.js';

/** This node as the registry lists it. */
export interface ThisNode {
  nodeId: string;
  /** Its public URL. */
  url: string;
}

/**
 * Says once that guest tokens signed with this process's own random secret are good nowhere else, as soon
 * as that matters: when the registry lists another live node, to which players are sent (a redirect, a
 * drain) and where they become new guests. A Redis registry alone tells nothing (one node may use it to
 * outlive restarts), nor does an in-memory one (several servers of one process may share it). A record at
 * this node's own URL under another id is no second node: it is this node's crashed predecessor, which
 * expires (a node without NODE_ID takes a new random id at each start).
 */
export class GuestSecretCheck {
  #said = false;

  /** Lists the nodes (at a heartbeat that went through) until another one shows up, then says so once. */
  async check(registry: Registry, self: ThisNode): Promise<void> {
    if (this.#said) return;
    // A failed listing is the heartbeat's business, told by it: this waits for the next one.
    const nodes = await registry.listNodes().catch((): NodeInfo[] => []);
    const others = nodes.filter((node) => node.nodeId !== self.nodeId && node.url !== self.url);
    if (others.length === 0 || this.#said) return;
    this.#said = true;
    const named = others.map((node) => `${node.nodeId} at ${node.url}`).join(', ');
    console.warn(
      `vehikill-net: node ${self.nodeId}: guest auth with no guestSecret (GUEST_SECRET), and other nodes share ` +
        `its registry (${named}): each node signs guest tokens with a random secret of its own, so a player ` +
        'moved to another node (a redirect, a drain) becomes a new guest there, with another user id and name; ' +
        'give every node the same guestSecret (GUEST_SECRET, at least 32 bytes)',
    );
  }
}
