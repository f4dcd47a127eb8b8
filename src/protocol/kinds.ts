/**
 * One-byte message kinds. Frames open with one of these. 0x01-0x0f are connection frames;
 * 0x08/0x09 wrap an inner message in a sequenced envelope; 0x20-0x2f travel client -> server;
 * 0x30-0x3f travel server -> client, but for RoomReply, which answers a room request either way. Kinds are
 * never reused: retire a number rather than change it.
 */
export const Kind = {
  Hello: 0x01,
  Welcome: 0x02,
  Error: 0x03,
  Ping: 0x04,
  Pong: 0x05,
  Ack: 0x06,
  Bye: 0x07,
  Reliable: 0x08,
  Expiring: 0x09,

  ListRooms: 0x20,
  CreateRoom: 0x21,
  JoinRoom: 0x22,
  JoinByCode: 0x23,
  QuickPlay: 0x24,
  LeaveRoom: 0x25,
  ClientRoomMessage: 0x26,
  SignalToPeer: 0x27,
  DataToPeer: 0x28,
  LinkSignalToServer: 0x29,
  DatagramToServer: 0x2a,
  WatchRooms: 0x2b,
  UnwatchRooms: 0x2c,
  RefreshIceServers: 0x2d,
  DataToPeers: 0x2e,

  Response: 0x30,
  MemberJoined: 0x31,
  MemberLeft: 0x32,
  MemberAway: 0x33,
  MemberBack: 0x34,
  RoomLeft: 0x35,
  RoomState: 0x36,
  ServerRoomMessage: 0x37,
  SignalFromPeer: 0x38,
  DataFromPeer: 0x39,
  LinkSignalFromServer: 0x3a,
  DatagramFromServer: 0x3b,
  RoomList: 0x3c,
  IceServers: 0x3d,
  RoomReply: 0x3e,
} as const;

export type Kind = (typeof Kind)[keyof typeof Kind];
