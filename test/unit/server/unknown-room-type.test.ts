import { ErrorCode } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { unknownRoomType } from '../../../src/server/rooms/unknown-room-type.js';

describe('the refusal of an unknown room type', () => {
  it('names the types the server defines, so that a typo is found at once', () => {
    const error = unknownRoomType('arenaa', ['arena', 'lobby']);
    expect(error.code).toBe(ErrorCode.ROOM_TYPE_UNKNOWN);
    expect(error.message).toBe("no room type 'arenaa': this server defines 'arena', 'lobby'");
  });

  it('says how to define one when the server defines none', () => {
    expect(unknownRoomType('arena', []).message).toMatch(/defines none \(server\.define\(type, RoomClass\)/);
  });

  it('names at most twelve and counts the rest, so the message stays short', () => {
    const many = Array.from({ length: 40 }, (_, i) => `type-${i}`);
    const { message } = unknownRoomType('x', many);
    expect(message).toContain("'type-11' and 28 more");
    expect(message).not.toContain("'type-12'");
  });
});
