/**
 * What one side supports beyond what its protocol version says, named in its hello (the client's) or its
 * welcome (the server's) as `features`. `PROTOCOL_VERSION` must match exactly, so additions that an older
 * peer simply lacks are named here instead of bumping it: a peer that lists its features and leaves one
 * out does not have it, and the other side can say so at once rather than wait for what never comes. A
 * peer that sends no list at all predates the list, and what it has cannot be told from it. Names a side
 * does not know are ignored: the list grows with the next versions.
 */
export const Feature = {
  /**
   * Room requests: a server listing it answers a room message with a request id (`ClientRoomMessage.q`)
   * with a `RoomReply`; a client listing it answers a room's request (`ServerRoomMessage.q`) with one.
   */
  requests: 'requests',
} as const;

export type Feature = (typeof Feature)[keyof typeof Feature];

/** The features this version has, client and server alike. */
export const OUR_FEATURES: readonly Feature[] = [Feature.requests];

/** Whether a peer's `features` name `feature`: undefined when it sent no list (it predates them). */
export function hasFeature(features: readonly string[] | undefined, feature: Feature): boolean | undefined {
  return features === undefined ? undefined : features.includes(feature);
}
