/** `member a` for a room client (its player id), `a member` for any other kind of member. */
export function memberName(member: unknown): string {
  const playerId = (member as { readonly playerId?: unknown }).playerId;
  return typeof playerId === 'string' ? `member ${playerId}` : 'a member';
}
