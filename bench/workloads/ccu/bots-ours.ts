/**
 * vehikill-net players for the CCU benchmark: real `Client`s. A decoding one holds the room's state in a
 * `SyncedState` that decodes every snapshot and acks it; the others (the light load model) ack from the
 * snapshot header (`HeaderAcker`), which the server cannot tell apart. Inputs as volatile room messages
 * ('ours-ws'), or on the link's `phys` with the ack riding on them ('ours-ws-phys' in TCP mode,
 * 'ours-link' direct).
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Client, type ClientOptions, type RoomConnection, SyncedState } from 'vehikill-net/client';
import { encodeAckFrame } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import { WebSocket } from 'ws';
import { type Bot, openRoomOfBots, type RoomOfBots } from './bots-types.js';
import { CarEntity } from './car-entity.js';
import { HeaderAcker } from './header-acker.js';
import type { LoadMeter } from './load-meter.js';
import { botInput, encodeInput, INPUT_HZ } from './scenario.js';
import type { System } from './systems.js';

const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

/**
 * One room's 16 players: the first creates it, the others join it. The first `decoding` of them decode
 * every snapshot; the rest ack from the header.
 */
export function oursRoomOfBots(system: Extract<System, `ours-${string}`>, bots: RoomOfBots): Promise<Bot[]> {
  const { url, meter, pacer } = bots;
  let roomId: string | undefined;
  return openRoomOfBots(bots, async (index, decodes) => {
    const client = new Client({
      url,
      WebSocket,
      serverLink: system === 'ours-link' ? nodeRtc : 'off',
    });
    const inputsOnPhys = system !== 'ours-ws';
    const sync = decodes
      ? decodingSync(client, inputsOnPhys, meter, bots.count)
      : headerSync(client, inputsOnPhys, meter);
    await client.connect();
    const room: RoomConnection = roomId ? await client.join(roomId) : await client.create('ccu');
    roomId = room.roomId;
    let seq = 0;
    const send = (wallMs: number) => {
      const input = botInput(index, seq++, wallMs);
      if (inputsOnPhys) {
        if (sync.sendInput(encodeInput(input))) meter.inputs++;
      } else {
        room.send('input', [input.seq, input.throttle, input.steer], { class: 'volatile' });
        meter.inputs++;
      }
    };
    const stop = pacer.add(index, send);
    return {
      direct: () => client.serverLink.path === 'direct',
      holdsRoom: sync.holdsRoom,
      close: () => {
        stop();
        client.close();
      },
    };
  });
}

interface BotSync {
  /** Sends an input on `phys` with the newest ack riding on it. */
  sendInput(bytes: Uint8Array): boolean;
  /** A decoding bot: whether it holds every car of its room; undefined for a light one. */
  holdsRoom: (() => boolean) | undefined;
}

/** `players`: how many play in the bot's room (its car count), 16 but in a step's last, partial room. */
function decodingSync(client: Client, inputsOnPhys: boolean, meter: LoadMeter, players: number): BotSync {
  // On phys an ack waits up to one input period for the next input to carry it.
  const state = new SyncedState(client.serverLink, {
    types: [CarEntity],
    ackDelayMs: inputsOnPhys ? Math.ceil(1_000 / INPUT_HZ) : 0,
  });
  state.on('snapshot', () => meter.snapshots++);
  return {
    sendInput: (bytes) => state.sendInput(bytes),
    holdsRoom: () => state.size === players && state.stats().badFrames === 0,
  };
}

/**
 * Acks from the header. Inputs carry every ack (30 inputs a second after 20 snapshots); a decoding bot
 * sends an ack on its own when no input came within its delay, which at these rates is rare (measured:
 * 0.05 a second per player with inputs on phys), and with inputs as room messages ('ours-ws') it acks
 * each snapshot on its own at once, as SyncedState does with no delay.
 */
function headerSync(client: Client, inputsOnPhys: boolean, meter: LoadMeter): BotSync {
  const acker = new HeaderAcker();
  client.serverLink.onMessage((channel, bytes) => {
    if (channel !== Channel.phys || !acker.receive(bytes)) return;
    meter.snapshots++;
    if (!inputsOnPhys) client.serverLink.send(Channel.phys, encodeAckFrame(acker.ack));
  });
  return {
    sendInput: (bytes) => client.serverLink.send(Channel.phys, encodeAckFrame(acker.ack, bytes)),
    holdsRoom: undefined,
  };
}
