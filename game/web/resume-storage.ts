/**
 * Where the page keeps its session's resume token (`client.resumeToken`), for the page that a reload
 * brings to take the session over: sessionStorage, which lives as long as the tab (another tab, or a
 * link opened elsewhere, does not see it) and goes nowhere over the network, as a secret must.
 */
const KEY = 'vehikill-resume';

/** The token a page before this one in the tab kept, if any (and if the browser lets us read it). */
export function readResumeToken(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the newest token (undefined: forgets it, the session being over for good). */
export function keepResumeToken(token: string | undefined): void {
  try {
    if (token === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
  } catch {
    // Storage refused (site data blocked): a reload joins again, as a new player.
  }
}
