import type { BackoffOptions } from 'vehikill-net/client';

/**
 * The page's reconnect backoff: the library's (a random wait up to 250 ms, the ceiling doubling with each
 * failed attempt) with the ceiling capped at 3 s instead of 10 s. After a server restart the player waits
 * for the page's next attempt once the server is back; with the waits grown to their cap, that comes a
 * random part of the cap later, a third of it on average (10 s cap: up to 10 s, 3.3 s on average; 3 s:
 * up to 3 s, 1 s on average). The cost, while the server is down: one attempt per page every 1.5 s on
 * average, never in step (each wait is random), each a connection its host refuses at once; and once it
 * is back, the pages' reconnects spread over 3 s rather than 10.
 */
export const PAGE_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 3_000 };
