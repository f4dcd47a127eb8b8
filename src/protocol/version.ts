/** Version of the wire protocol. A client whose hello carries another number is refused with
 * `PROTOCOL_VERSION_MISMATCH`; bump it on any incompatible change to docs/protocol.md. */
export const PROTOCOL_VERSION = 5;
