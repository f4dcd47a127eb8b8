import { type SessionLeave, sessionLeaveUrl } from '../protocol/index.js';

/** What of `navigator` a beacon needs; absent outside a browser (Node has no `sendBeacon`). */
interface BeaconNavigator {
  sendBeacon?: (url: string, data?: string) => boolean;
}

/**
 * Hands the session's goodbye to the browser, which delivers it after the page is gone (see
 * SESSION_LEAVE_PATH): to the server at `wsUrl`, the one the session lives on. The body is a string,
 * sent as text/plain, so a server on another origin gets it without a CORS preflight. True when the
 * browser took it; false where there is no `sendBeacon` (Node) or the browser refused it (its beacon
 * quota, a URL it will not send to), which is no worse than before: the socket's close still goes.
 */
export function sendLeaveBeacon(wsUrl: string, leave: SessionLeave): boolean {
  const navigator = (globalThis as { navigator?: BeaconNavigator }).navigator;
  if (typeof navigator?.sendBeacon !== 'function') return false;
  try {
    return navigator.sendBeacon(sessionLeaveUrl(wsUrl), JSON.stringify(leave));
  } catch {
    // A page going away has no one to tell: the socket's close is the goodbye left.
    return false;
  }
}
