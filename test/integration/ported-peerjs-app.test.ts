import { RTCPeerConnection } from 'node-datachannel/polyfill';
import {
  Channel,
  type Client,
  type LinkState,
  type MeshOptions,
  type PeerMesh,
  type RoomConnection,
} from 'vehikill-net/client';
import { Room } from 'vehikill-net/server';
import { dropConnection, eventually, startTestGame, type TestGame } from 'vehikill-net/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A small PeerJS game lobby, ported with nothing but the docs (docs/from-peerjs.md, client.md's peer mesh)
 * and the public entry points: players in one room form a mesh, chat reliably to one named peer and to
 * everyone, stream unreliable newest-only positions, see peers come and go, and one player whose direct
 * path is impossible reaches everyone through the server relay with the same API.
 *
 * The PeerJS original, for the record:
 *   const peer = new Peer(myId, { host, port, path: '/peerjs', config: { iceServers } });
 *   peer.on('connection', (conn) => { conns.set(conn.peer, conn); conn.on('data', onData);
 *     conn.on('close', () => conns.delete(conn.peer)); });
 *   for (const id of others) { const conn = peer.connect(id, { reliable: true, serialization: 'json' });
 *     conn.on('open', () => conns.set(id, conn)); }
 *   const say = (text, to) => (to ? [conns.get(to)] : [...conns.values()]).forEach((c) => c.send({ text }));
 *   // positions: a second connection per peer with { reliable: false, serialization: 'raw' }
 *   peer.on('error', (err) => err.type === 'peer-unavailable' && console.log('no such peer'));
 *   peer.on('disconnected', () => peer.reconnect());
 */

/** The PeerJS signalling server's part: a room that seats players; their peer traffic needs no code. */
class Lounge extends Room {
  override onCreate(): void {
    this.setMaxClients(8);
  }
}

/** What went over the reliable `{ serialization: 'json' }` connections. */
interface Chat {
  text: string;
  to: 'you' | 'all';
}

/** A position sample, as the unreliable connection sent it raw: sequence number, then x and y. */
interface Position {
  seq: number;
  x: number;
  y: number;
}

const encodeChat = (chat: Chat) => new TextEncoder().encode(JSON.stringify(chat));

/** Peer data decides nothing and is checked as it comes: a peer may run a modified client. */
function decodeChat(bytes: Uint8Array): Chat | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof value !== 'object' || value === null) return undefined;
    const { text, to } = value as Record<string, unknown>;
    return typeof text === 'string' && (to === 'you' || to === 'all') ? { text, to } : undefined;
  } catch {
    return undefined;
  }
}

function encodePosition({ seq, x, y }: Position): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, seq);
  view.setFloat32(4, x);
  view.setFloat32(8, y);
  return bytes;
}

function decodePosition(bytes: Uint8Array): Position | undefined {
  if (bytes.byteLength !== 12) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { seq: view.getUint32(0), x: view.getFloat32(4), y: view.getFloat32(8) };
}

/** One player of the ported app: what the PeerJS version kept per DataConnection, kept per peer id. */
class Player {
  /** Chat as it arrived, `from: text (to)`. */
  readonly chat: string[] = [];
  /** Every position sample's sequence number as it arrived, by sender. */
  readonly arrivals = new Map<string, number[]>();
  /** The newest position by sender: an unreliable stream's older samples are dropped. */
  readonly positions = new Map<string, Position>();
  /** PeerJS's 'connection' and conn 'close', by peer id, in order. */
  readonly presence: string[] = [];
  /** Each link's path changes, `peer:state`. */
  readonly paths: string[] = [];
  /** What this player's mesh refused from peers, `peer:reason`. */
  readonly refused: string[] = [];
  malformed = 0;
  /** PeerJS's `peer.id`. Kept: `client.playerId` reads undefined once the client is closed. */
  readonly id: string;

  constructor(
    readonly client: Client,
    readonly room: RoomConnection,
    readonly mesh: PeerMesh,
  ) {
    this.id = client.playerId ?? '';
    // The link is there as the join is told: the app may greet the newcomer from this handler.
    room.on('member-join', ({ playerId }) =>
      this.presence.push(`join:${playerId}:${mesh.link(playerId)?.state}`),
    );
    room.on('member-leave', ({ playerId, reason }) => this.presence.push(`leave:${playerId}:${reason}`));
    mesh.on('peer-state', ({ peerId, state }) => {
      this.paths.push(`${peerId}:${state}`);
      if (state === 'closed') this.presence.push(`closed:${peerId}`);
    });
    mesh.on('rejected', ({ from, reason }) => this.refused.push(`${from}:${reason}`));
    mesh.on('message', ({ from, channel, bytes }) => {
      if (channel === Channel.dispatch) {
        const chat = decodeChat(bytes);
        if (chat) this.chat.push(`${from}: ${chat.text} (${chat.to})`);
        else this.malformed++;
      } else if (channel === Channel.phys) {
        const position = decodePosition(bytes);
        if (!position) return void this.malformed++;
        const seen = this.arrivals.get(from) ?? [];
        seen.push(position.seq);
        this.arrivals.set(from, seen);
        // Newest wins: over a direct path samples may come out of order (`ordered: false`).
        if (position.seq > (this.positions.get(from)?.seq ?? 0)) this.positions.set(from, position);
      }
    });
  }

  /** `conn.send(...)` on one peer's connection. */
  whisper(to: Player, text: string): boolean {
    return this.mesh.send(to.id, Channel.dispatch, encodeChat({ text, to: 'you' }));
  }

  /** `conns.forEach((conn) => conn.send(...))`. */
  shout(text: string): void {
    this.mesh.broadcast(Channel.dispatch, encodeChat({ text, to: 'all' }));
  }

  move(position: Position): void {
    this.mesh.broadcast(Channel.phys, encodePosition(position));
  }

  pathTo(peer: Player): LinkState | undefined {
    return this.mesh.link(peer.id)?.state;
  }
}

const direct: MeshOptions = {
  rtc: { RTCPeerConnection, extraConfiguration: { bindAddress: '127.0.0.1' } },
  // Generous: a loaded 2-core machine can slow ICE a lot; a failed handshake is retried sooner anyway.
  directTimeoutMs: 10_000,
  retryDirectMs: 1_000,
  // Smaller than the sender's 16 KiB: what a peer sends above it is refused here, and reported.
  maxMessageBytes: 1_024,
};
/** A player who cannot go direct: no WebRTC (PeerJS's 'browser-incompatible'), or a network that blocks it. */
const relayOnly: MeshOptions = { rtc: false };

let game: TestGame;
let ada: Player;
let bob: Player;
let cyd: Player;

async function seat(client: Client, roomId: string | undefined, options: MeshOptions): Promise<Player> {
  await client.connect(); // PeerJS's peer.on('open', id): client.playerId is the id others know
  const room = roomId === undefined ? await client.create('lounge') : await client.join(roomId);
  return new Player(client, room, room.mesh(options));
}

beforeAll(async () => {
  game = await startTestGame({ lounge: Lounge });
  ada = await seat(game.client({ name: 'Ada' }), undefined, direct);
  bob = await seat(game.client({ name: 'Bob' }), ada.room.roomId, direct);
  cyd = await seat(game.client({ name: 'Cyd' }), ada.room.roomId, relayOnly);
  await eventually(() => [ada, bob, cyd].every((p) => p.room.members.length === 3), 'three seated');
}, 30_000);

afterAll(() => game?.close());

describe('a PeerJS lobby ported to the mesh', () => {
  it('links Ada and Bob directly and Cyd through the server relay', async () => {
    await eventually(
      () => ada.pathTo(bob) === 'direct' && bob.pathTo(ada) === 'direct',
      'Ada and Bob direct',
      25_000,
    );
    // Cyd has no WebRTC: its links, and everyone's links to it, stay on the relay, and say so.
    expect([ada.pathTo(cyd), bob.pathTo(cyd), cyd.pathTo(ada), cyd.pathTo(bob)]).toEqual([
      'relayed',
      'relayed',
      'relayed',
      'relayed',
    ]);
    expect(ada.paths).toContain(`${bob.id}:direct`);
    expect(ada.paths.filter((change) => change.startsWith(cyd.id))).toEqual([]);
    // A link to oneself or to a stranger does not exist.
    expect(ada.mesh.link(ada.id)).toBeUndefined();
    expect(ada.mesh.link('nobody')).toBeUndefined();
  }, 30_000);

  it('delivers chat to the named peer only, and to everyone, exactly once and in order', async () => {
    expect(ada.whisper(bob, 'psst bob')).toBe(true); // direct
    expect(bob.whisper(cyd, 'psst cyd')).toBe(true); // relayed
    expect(cyd.whisper(ada, 'psst ada')).toBe(true); // relayed
    for (let i = 1; i <= 10; i++) for (const player of [ada, bob, cyd]) player.shout(`${player.id} #${i}`);
    const shouts = (from: Player) =>
      Array.from({ length: 10 }, (_, i) => `${from.id}: ${from.id} #${i + 1} (all)`);
    await eventually(
      () => ada.chat.length === 21 && bob.chat.length === 21 && cyd.chat.length === 21,
      'all chat',
    );
    const from = (player: Player, sender: Player) =>
      player.chat.filter((line) => line.startsWith(`${sender.id}:`));
    expect(from(bob, ada)).toEqual([`${ada.id}: psst bob (you)`, ...shouts(ada)]);
    expect(from(cyd, ada)).toEqual(shouts(ada)); // Ada's whisper to Bob never reached Cyd
    expect(from(cyd, bob)).toEqual([`${bob.id}: psst cyd (you)`, ...shouts(bob)]);
    expect(from(ada, bob)).toEqual(shouts(bob));
    expect(from(ada, cyd)).toEqual([`${cyd.id}: psst ada (you)`, ...shouts(cyd)]);
    expect(from(bob, cyd)).toEqual(shouts(cyd));
    for (const player of [ada, bob, cyd]) expect(from(player, player)).toEqual([]); // no echo
  });

  it('streams positions newest-only: the relay drops a burst down to its newest, in order', async () => {
    const last = 50;
    // A burst sent in one go, as a frame loop that fell behind would send it.
    for (let seq = 1; seq <= last; seq++)
      for (const player of [ada, bob, cyd]) player.move({ seq, x: seq, y: -seq });
    // Samples are never sent again by the mesh, so the app's next frames carry the newest state.
    let frames = 0;
    await eventually(() => {
      if (frames++ % 10 === 0)
        for (const player of [ada, bob, cyd]) player.move({ seq: last, x: last, y: -last });
      return [ada, bob, cyd].every((player) =>
        [ada, bob, cyd].every((peer) => peer === player || player.positions.get(peer.id)?.seq === last),
      );
    }, 'everyone has everyone newest position');
    expect(ada.positions.get(cyd.id)).toEqual({ seq: last, x: last, y: -last });
    for (const [receiver, sender] of [
      [ada, cyd],
      [bob, cyd],
      [cyd, ada],
      [cyd, bob],
    ] as const) {
      const seen = receiver.arrivals.get(sender.id) ?? [];
      // Newest-only at 20 Hz: of the burst, the first went at once and then only the newest waiting
      // (each gate, the sender's and the server's, may pass one more), never an older after a newer.
      expect(new Set(seen).size, `${receiver.id} from ${sender.id}: ${seen.join(',')}`).toBeLessThanOrEqual(
        3,
      );
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }
    expect(ada.malformed + bob.malformed + cyd.malformed).toBe(0);
  });

  it("tells of a peer joining and leaving (PeerJS 'connection' and 'close'), and forgets it", async () => {
    const dee = await seat(game.client({ name: 'Dee' }), ada.room.roomId, direct);
    // Usable at once, through the relay until WebRTC connects.
    await eventually(() => ada.presence.includes(`join:${dee.id}:relayed`), 'Ada told of Dee');
    expect(ada.whisper(dee, 'welcome')).toBe(true);
    await eventually(() => dee.chat.includes(`${ada.id}: welcome (you)`), 'Dee greeted');
    await eventually(
      () => ada.pathTo(dee) === 'direct' && dee.pathTo(ada) === 'direct',
      'Ada and Dee direct',
      25_000,
    );

    await dee.client.close(); // PeerJS's peer.destroy()
    await eventually(() => ada.presence.includes(`leave:${dee.id}:left`), 'Ada told Dee left');
    await eventually(() => ada.presence.includes(`closed:${dee.id}`), "Ada's link to Dee closed");
    expect(ada.mesh.link(dee.id)).toBeUndefined();
    expect(ada.whisper(dee, 'still there?')).toBe(false); // PeerJS: 'peer-unavailable'
  }, 40_000);

  it('refuses what cannot be sent, and reports what a peer sends above the limit', async () => {
    // A peer id that is not in the room: nothing to send on, no exception.
    expect(ada.mesh.send('no-such-player', Channel.dispatch, encodeChat({ text: 'hi', to: 'you' }))).toBe(
      false,
    );
    // A channel that does not exist, or a string where bytes go: a TypeError at the call.
    expect(() => ada.mesh.send(bob.id, 'chat' as Channel, new Uint8Array(1))).toThrow(TypeError);
    expect(() => ada.mesh.broadcast(Channel.dispatch, 'hello' as unknown as Uint8Array)).toThrow(TypeError);
    // Over the sender's own limit (16 KiB, maxMessageBytes): not sent.
    expect(cyd.mesh.send(ada.id, Channel.dispatch, new Uint8Array(20_000))).toBe(false);
    // Within Bob's limit but over Ada's (1 KiB): Ada refuses it and says so; the stream goes on.
    expect(bob.mesh.send(ada.id, Channel.dispatch, new Uint8Array(2_000))).toBe(true);
    expect(bob.whisper(ada, 'after the big one')).toBe(true);
    await eventually(() => ada.chat.includes(`${bob.id}: after the big one (you)`), 'the whisper after it');
    expect(ada.refused).toContain(`${bob.id}:too-large`);
    // Bytes that are no chat are the app's to refuse: the mesh hands them over as they came.
    expect(cyd.mesh.send(ada.id, Channel.dispatch, Uint8Array.of(0xff, 0x00))).toBe(true);
    await eventually(() => ada.malformed === 1, 'the garbage reached the app');
    // A mesh option no mesh could work with: a RangeError naming it, before anything is done.
    const eve = game.client({ name: 'Eve' });
    await eve.connect();
    const room = await eve.join(ada.room.roomId);
    expect(() => room.mesh({ maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
    await eve.close();
  });

  it('puts a player who asks for TURN only, with no TURN server, on the server relay at once', async () => {
    // PeerJS's `config: { iceTransportPolicy: 'relay' }`: addresses hidden from peers. This server has no
    // TURN, so the mesh goes through the game server instead, without trying a direct path.
    // A direct attempt could only time out: 0.5 s for one, so one made would show as failed in the wait below.
    const turnOnly: MeshOptions = {
      ...direct,
      rtc: { ...direct.rtc, iceTransportPolicy: 'relay' },
      directTimeoutMs: 500,
    };
    const fay = await seat(game.client({ name: 'Fay' }), ada.room.roomId, turnOnly);
    await eventually(
      () => ada.mesh.link(fay.id) !== undefined && fay.mesh.peers().length === 3,
      'Fay linked',
    );
    expect(fay.whisper(ada, 'hidden')).toBe(true);
    expect(ada.whisper(fay, 'hidden too')).toBe(true);
    await eventually(() => ada.chat.includes(`${fay.id}: hidden (you)`), 'Ada heard Fay');
    await eventually(() => fay.chat.includes(`${ada.id}: hidden too (you)`), 'Fay heard Ada');
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // time for attempts to fail, had any started
    expect(fay.mesh.peers().map((link) => [link.state, link.failedAttempts])).toEqual([
      ['relayed', 0],
      ['relayed', 0],
      ['relayed', 0],
    ]);
    expect([ada.pathTo(fay), bob.pathTo(fay)]).toEqual(['relayed', 'relayed']);
    await fay.client.close();
  });

  it('keeps links and chat going while a player loses its server connection (PeerJS "disconnected")', async () => {
    const back = new Promise<{ resumed: boolean }>((resolve) => bob.client.on('reconnect', resolve));
    dropConnection(bob.client); // the signalling socket dies; no reconnect() to call: it comes back by itself
    expect(bob.whisper(ada, 'while away, direct')).toBe(true);
    expect(bob.whisper(cyd, 'while away, relayed')).toBe(true); // waits in the session's outbox
    expect((await back).resumed).toBe(true);
    await eventually(() => ada.chat.includes(`${bob.id}: while away, direct (you)`), 'direct whisper');
    await eventually(() => cyd.chat.includes(`${bob.id}: while away, relayed (you)`), 'relayed whisper');
    expect(ada.pathTo(bob)).toBe('direct');
  });
});
