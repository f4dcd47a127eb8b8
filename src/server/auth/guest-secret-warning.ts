import type { OtherNodesWarning } from '../registry/other-nodes-check.js';

/**
 * Guest tokens signed with this process's own random secret (no `guestSecret`) are good nowhere else: a
 * player moved to another node of the registry becomes a new guest there.
 */
export const guestSecretWarning: OtherNodesWarning = (self, others) =>
  `vehikill-net: node ${self.nodeId}: guest auth with no guestSecret (GUEST_SECRET), and other nodes share ` +
  `its registry (${others}): each node signs guest tokens with a random secret of its own, so a player ` +
  'moved to another node (a redirect, a drain) becomes a new guest there, with another user id and name; ' +
  'give every node the same guestSecret (GUEST_SECRET, at least 32 bytes)';
