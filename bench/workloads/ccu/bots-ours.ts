/**
 * vehikill-net players for the CCU benchmark: real `Client`s, each with a `SyncedState` that decodes
 * every snapshot and acks it. Inputs as volatile room messages ('ours-ws'), or on the link's `phys`
 * with the ack riding on them ('ours-ws-phys' in TCP mode, 'ours-link' direct).
 */
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Client, type ClientOptions, type RoomConnection, SyncedState } from 'vehikill-net/client';
import type { RtcPeerConnectionConstructor } from 'vehikill-net/transport';
import { WebSocket } from 'ws';
import type { Bot } from './bots-types.js';
import { CarEntity } from './car-entity.js';
import type { InputPacer } from './input-pacer.js';
import type { LoadMeter } from './load-meter.js';
import { botInput, encodeInput, INPUT_HZ } from './scenario.js';
import type { System } from './systems.js';

const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection: RTCPeerConnection as unknown as RtcPeerConnectionConstructor,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

/** One room's 16 players: the first creates it, the others join it. */
export async function oursRoomOfBots(
  system: Extract<System, `ours-${string}`>,
  url: string,
  count: number,
  firstIndex: number,
  meter: LoadMeter,
  pacer: InputPacer,
): Promise<Bot[]> {
  const bots: Bot[] = [];
  let roomId: string | undefined;
  const open = async (index: number) => {
    const client = new Client({
      url,
      WebSocket: WebSocket as unknown as ClientOptions['WebSocket'],
      serverLink: system === 'ours-link' ? nodeRtc : 'off',
    });
    const inputsOnPhys = system !== 'ours-ws';
    // On phys an ack waits up to one input period for the next input to carry it.
    const state = new SyncedState(client.serverLink, {
      types: [CarEntity],
      ackDelayMs: inputsOnPhys ? Math.ceil(1_000 / INPUT_HZ) : 0,
    });
    state.on('snapshot', () => meter.snapshots++);
    await client.connect();
    const room: RoomConnection = roomId ? await client.join(roomId) : await client.create('ccu');
    roomId = room.roomId;
    let seq = 0;
    const send = (wallMs: number) => {
      const input = botInput(index, seq++, wallMs);
      if (inputsOnPhys) {
        if (state.sendInput(encodeInput(input))) meter.inputs++;
      } else {
        room.send('input', [input.seq, input.throttle, input.steer], { class: 'volatile' });
        meter.inputs++;
      }
    };
    const stop = pacer.add(index, send);
    bots.push({
      direct: () => client.serverLink.path === 'direct',
      close: () => {
        stop();
        client.close();
      },
    });
  };
  await open(firstIndex);
  await Promise.all(Array.from({ length: count - 1 }, (_, i) => open(firstIndex + 1 + i)));
  return bots;
}
