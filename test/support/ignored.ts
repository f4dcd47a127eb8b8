/**
 * The handler of a room message that a test's client gets and has no use for on purpose: its own chat
 * lines, which the room broadcasts back to everyone, or a stream the test judges elsewhere. Registered as
 * `room.onMessage(type, ignored)`, it says that the message is expected, as an app that ignores a type
 * would say it, and the client no longer warns in the console that the type has no handler. Where a
 * test's client has no handler for a message it should have handled, the warning is a finding: this is
 * not for that.
 */
export function ignored(): void {}
