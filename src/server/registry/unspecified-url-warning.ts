import type { OtherNodesWarning } from './other-nodes-check.js';

/** Hosts that mean "every interface" to listen on, and no machine to connect to. */
const UNSPECIFIED_HOSTS: ReadonlySet<string> = new Set(['0.0.0.0', '[::]']);

/**
 * A node listening on every interface (HOST=0.0.0.0 or ::) with no `publicUrl` announces the address it
 * bound, `ws://0.0.0.0:8080/ws`: the other nodes send their players there (a redirect, a drain), and from
 * any other machine that URL reaches nothing of this node (browsers refuse it, a Node client connects to its
 * own machine). On one machine it happens to work, so nothing showed it until the nodes were spread out.
 */
export const unspecifiedUrlWarning: OtherNodesWarning = (self, others) => {
  if (!UNSPECIFIED_HOSTS.has(new URL(self.url).hostname)) return undefined;
  return (
    `vehikill-net: node ${self.nodeId}: other nodes share its registry (${others}) and send players to its ` +
    `public URL, ${self.url}, which names no machine: it is the address it listens on (HOST). Give it ` +
    'publicUrl (PUBLIC_URL), the ws:// or wss:// URL players reach this node at'
  );
};
