/**
 * The largest frame a server takes from a client unless configured otherwise (`maxPayloadBytes`): a larger
 * one closes the socket with WebSocket code 1009. The server names its own limit in the welcome
 * (`maxFrameBytes`); a client refuses larger frames at the call, before anything is queued.
 */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024;

/**
 * Most bytes a sequenced envelope adds to the message inside: its kind byte, the sequence number and,
 * for the expiring class, the TTL (two varuints of at most 8 bytes each).
 */
export const MAX_ENVELOPE_BYTES = 17;
