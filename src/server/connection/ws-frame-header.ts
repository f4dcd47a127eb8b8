/**
 * The bytes of a WebSocket frame's header (RFC 6455, section 5.2) that the server reads and writes itself,
 * under `ws`, for its small binary messages (`sendBinary`, `receiveWholeFrames`).
 */

/** The first byte of a binary frame that is a whole message: FIN, no extension bits (not compressed). */
export const FIN_BINARY = 0x82;

/** The 7-bit length that says a 16-bit length follows (127: a 64-bit one). */
export const LENGTH_16 = 126;
