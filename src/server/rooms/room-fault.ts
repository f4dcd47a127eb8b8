import { ErrorCode, ProtocolError } from '../../protocol/index.js';

/**
 * The room's own code failed on what a member sent (its message schema threw): answered INTERNAL_ERROR,
 * and never charged to the sender's fault budget, as a refusal of bad input would be. Logged by the room
 * (see RoomHost.handleMessage), bounded, not once per message.
 */
export class RoomFault extends ProtocolError {
  constructor(message: string) {
    super(ErrorCode.INTERNAL_ERROR, message);
  }
}
