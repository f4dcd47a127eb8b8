import { isIP } from 'node:net';

/**
 * A host name: dot-separated labels of letters, digits and inner hyphens or underscores (a trailing dot
 * allowed). Underscores are no DNS host name's, but container names carry them (`game_server_1`) and
 * Docker's resolver and glibc answer for them.
 */
const HOST_NAME =
  /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/** Whether `text` is an IP address (IPv6 without brackets) or a host name: no port, no spaces. */
export function isAddressOrHostName(text: string): boolean {
  return isIP(text) !== 0 || HOST_NAME.test(text);
}
