import { guestSecretWarning } from '../auth/guest-secret-warning.js';
import { OtherNodesCheck, type OtherNodesWarning } from './other-nodes-check.js';
import { unspecifiedUrlWarning } from './unspecified-url-warning.js';

/** What of a node's configuration may want saying once other nodes share its registry. */
export interface NodeWarningFacts {
  /** Guest tokens are signed with a random secret of this process's (no `guestSecret`). */
  randomGuestSecret: boolean;
  /** No `publicUrl` was given: the node announces the address it bound. */
  boundUrl: boolean;
}

/** The check that says them, or undefined when none can apply (nothing to list the nodes for). */
export function otherNodesCheck(facts: NodeWarningFacts): OtherNodesCheck | undefined {
  const warnings: OtherNodesWarning[] = [];
  if (facts.randomGuestSecret) warnings.push(guestSecretWarning);
  if (facts.boundUrl) warnings.push(unspecifiedUrlWarning);
  return warnings.length === 0 ? undefined : new OtherNodesCheck(warnings);
}
