/** vehikill-net/transport: the Link abstraction (one remote endpoint, three channels) and its implementations. */
export * from './core.js';
export {
  RtcLink,
  type RtcLinkOptions,
  type RtcPeerConnectionConstructor,
  type RtcPeerConnectionLike,
} from './rtc-link.js';
