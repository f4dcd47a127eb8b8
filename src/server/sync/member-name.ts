/** `member a` for a room client (its player id), `a member` for any other kind of member. */
export function memberName(member: unknown): string {
  const playerId = (member as { readonly playerId?: unknown }).playerId;
  return typeof playerId === 'string' ? `member ${playerId}` : 'a member';
}

/**
 * ` of room <type> <id>` for a hosted Room, whose `type` and `roomId` name it; nothing for a room-like
 * object of the app's own (RoomSync needs only its clients and clock), or a getter that throws.
 */
export function roomName(room: unknown): string {
  try {
    const { roomId, type } = room as { readonly roomId?: unknown; readonly type?: unknown };
    if (typeof roomId !== 'string') return '';
    return typeof type === 'string' ? ` of room ${type} ${roomId}` : ` of room ${roomId}`;
  } catch {
    return '';
  }
}
