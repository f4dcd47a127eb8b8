// One backoff for the client's reconnects and the server's retries alike: it lives in common.
export { type BackoffOptions, backoffDelay } from '../common/backoff.js';
