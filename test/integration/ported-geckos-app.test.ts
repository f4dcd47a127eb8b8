import { RTCPeerConnection } from 'node-datachannel/polyfill';
import * as v from 'valibot';
import { Channel, type Client, type ClientOptions, ErrorCode, type ProtocolError } from 'vehikill-net/client';
import { type Authenticator, Room, type RoomClient } from 'vehikill-net/server';
import {
  dropConnection,
  eventually,
  nextMessage,
  serverCaughtUp,
  startTestGame,
  type TestGame,
} from 'vehikill-net/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/**
 * A small geckos.io arena, ported with nothing but the docs (docs/from-geckos.md, server.md, client.md) and
 * the public entry points: a token checked before the connection is taken (geckos's `authorization`), data
 * kept per player (`channel.userData`), 30 Hz unreliable "move" inputs as datagrams on the direct server
 * link, positions broadcast unreliably to the room, reliable "chat" and "hit" events, raw binary both
 * ways, a player whose UDP cannot get through (which geckos.io cannot serve at all, and this package
 * serves over its WebSocket), and players leaving.
 *
 * The geckos.io original, for the record:
 *   const io = geckos({ authorization: async (auth) => auth.startsWith('key:') ? { color } : 401,
 *                       portRange: { min: 10000, max: 10007 }, iceServers });
 *   io.onConnection((channel) => {
 *     channel.join('arena');
 *     channel.on('move', ({ seq, dx, dy }) => { ...update channel.userData.x/y... });
 *     channel.on('chat', (text) => io.room(channel.roomId).emit('chat', { from, text }, { reliable: true }));
 *     channel.on('fire', () => channel.room.emit('hit', { shot, by }, { reliable: true }));
 *     channel.onRaw((raw) => channel.raw.broadcast.emit(raw));
 *     channel.onDisconnect(() => channel.broadcast.emit('gone', channel.id));
 *   });
 *   setInterval(() => io.room('arena').emit('positions', positions()), 50);
 */

/** The first byte of every message on the server link: the link carries bytes, not named events. */
const Kind = { move: 1, positions: 2, raw: 3, hit: 4 } as const;

/** What the room sends players over the WebSocket. */
type ToClient = {
  welcome: { slot: number; color: string };
  chat: { from: string; text: string };
};
/** What players send the room over the WebSocket. */
type ToServer = { chat: { text: string }; fire: undefined };

interface Player {
  slot: number;
  x: number;
  y: number;
  /** The newest input applied: datagrams arrive in any order, an older one after a newer one included. */
  lastSeq: number;
}

/** geckos.io's authorization hook: `key:<name>` tokens get in, with a color as their userData. */
const authenticator: Authenticator = {
  async authenticate(_request, token) {
    if (!token?.startsWith('key:')) return { ok: false, code: 'UNAUTHORIZED', message: 'unknown key' };
    const name = token.slice('key:'.length);
    return { ok: true, identity: { userId: name, name, data: { color: name === 'Ada' ? 'red' : 'blue' } } };
  },
};

class Arena extends Room {
  readonly players = new Map<string, Player>();
  /** Inputs taken per player, and by which path: `direct` (datagrams) or `relayed` (the WebSocket). */
  readonly inputs = new Map<string, { direct: number; relayed: number }>();
  #nextSlot = 0;
  #shots = 0;

  override onCreate(): void {
    this.setMaxClients(8);
    // channel.on('chat') then io.room(id).emit('chat', ..., { reliable: true }): a reliable room message.
    this.onMessage('chat', v.object({ text: v.pipe(v.string(), v.maxLength(200)) }), (client, { text }) =>
      this.broadcast('chat', { from: client.name, text }),
    );
    // channel.room.emit('hit', ..., { reliable: true }) on the datagram path: the link's `dispatch` channel,
    // exactly once and in order, on either path.
    this.onMessage('fire', v.undefined(), (client) => {
      const shooter = this.players.get(client.playerId);
      if (!shooter) return;
      const shot = ++this.#shots;
      const hit = Uint8Array.of(Kind.hit, shot >> 8, shot & 0xff, shooter.slot);
      for (const member of this.clients) member.link.send(Channel.dispatch, hit);
    });
    // setInterval(() => io.room(id).emit('positions', ...)): unreliable, on `phys`, 20 times a second.
    this.clock.setInterval(() => this.#sendPositions(), 50);
  }

  override onJoin(client: RoomClient): void {
    const player = { slot: this.#nextSlot++, x: 0, y: 0, lastSeq: -1 };
    this.players.set(client.playerId, player);
    this.inputs.set(client.playerId, { direct: 0, relayed: 0 });
    // channel.userData, as the authorization hook gave it: client.data, a copy of the identity's data.
    const color = typeof client.data.color === 'string' ? client.data.color : 'grey';
    client.send('welcome', { slot: player.slot, color });
  }

  override onLeave(client: RoomClient): void {
    // channel.onDisconnect: the other members hear `member-leave` by themselves.
    this.players.delete(client.playerId);
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    const player = this.players.get(client.playerId);
    if (!player) return;
    if (channel === Channel.phys && bytes[0] === Kind.move && bytes.length === 5) {
      const seq = (bytes[1]! << 8) | bytes[2]!;
      const counts = this.inputs.get(client.playerId)!;
      counts[client.link.state === 'direct' ? 'direct' : 'relayed']++;
      if (seq <= player.lastSeq) return; // older than one applied: the path reordered them
      player.lastSeq = seq;
      player.x += (bytes[3]! << 24) >> 24; // the bytes are signed
      player.y += (bytes[4]! << 24) >> 24;
    } else if (channel === Channel.event && bytes[0] === Kind.raw) {
      // channel.onRaw(raw => channel.raw.broadcast.emit(raw)): to everyone else, as it came.
      for (const member of this.clients) if (member !== client) member.link.send(Channel.event, bytes);
    }
  }

  #sendPositions(): void {
    const out = new Uint8Array(2 + this.players.size * 5);
    const view = new DataView(out.buffer);
    out[0] = Kind.positions;
    out[1] = this.players.size;
    let at = 2;
    for (const player of this.players.values()) {
      view.setUint8(at, player.slot);
      view.setInt16(at + 1, player.x);
      view.setInt16(at + 3, player.y);
      at += 5;
    }
    for (const member of this.clients) member.link.send(Channel.phys, out);
  }
}

/** WebRTC for a Node client (a page has its own), bound to loopback as the test's namespace needs. */
const nodeRtc: ClientOptions['serverLink'] = {
  RTCPeerConnection,
  extraConfiguration: { bindAddress: '127.0.0.1' },
};
/** SDP without its candidate lines. */
const withoutCandidates = (sdp: string | undefined) =>
  sdp
    ?.split('\r\n')
    .filter((line) => !line.startsWith('a=candidate:') && !line.startsWith('a=end-of-candidates'))
    .join('\r\n');

/**
 * WebRTC behind a firewall that lets no UDP through while `blocked()` says so, as far as either end can
 * tell: no candidate of either side reaches the other (none trickled, none in the SDP), so a new connection
 * has no pair to check and never connects, and the data channels of one already up carry nothing either
 * way, as when a NAT mapping is lost mid-game. (A packet filter would do the same, but needs a network
 * namespace of its own, and every other test's traffic would cross it.)
 */
function firewalled(blocked: () => boolean): typeof RTCPeerConnection {
  return class FirewalledPeerConnection extends RTCPeerConnection {
    override dispatchEvent(event: Event): boolean {
      const candidate = (event as Event & { candidate?: unknown }).candidate;
      if (blocked() && event.type === 'icecandidate' && candidate) return true;
      return super.dispatchEvent(event);
    }
    override get localDescription() {
      const description = super.localDescription;
      if (!blocked()) return description;
      return { type: description.type, sdp: withoutCandidates(description.sdp) ?? '' } as typeof description;
    }
    override async createAnswer() {
      const answer = await super.createAnswer();
      if (!blocked()) return answer;
      return { type: answer.type, sdp: withoutCandidates(answer.sdp) ?? '' } as typeof answer;
    }
    override async setRemoteDescription(
      description: Parameters<RTCPeerConnection['setRemoteDescription']>[0],
    ) {
      if (!blocked()) return super.setRemoteDescription(description);
      return super.setRemoteDescription({
        type: description.type,
        sdp: withoutCandidates(description.sdp) ?? '',
      });
    }
    override async addIceCandidate(candidate?: Parameters<RTCPeerConnection['addIceCandidate']>[0]) {
      if (!blocked()) return super.addIceCandidate(candidate);
    }
    override createDataChannel(...args: Parameters<RTCPeerConnection['createDataChannel']>) {
      const channel = super.createDataChannel(...args);
      const send = channel.send.bind(channel);
      const dispatch = channel.dispatchEvent.bind(channel);
      channel.send = (data) => {
        if (!blocked()) send(data);
      };
      channel.dispatchEvent = (event) => (blocked() && event.type === 'message' ? true : dispatch(event));
      return channel;
    }
  };
}
const noUdp: ClientOptions['serverLink'] = {
  RTCPeerConnection: firewalled(() => true),
  extraConfiguration: { bindAddress: '127.0.0.1' },
};

/**
 * One game for the file, as server-link.test.ts keeps one server: each GameServer binds a UDP port of its
 * own, and node-datachannel keeps a port it bound until the process exits.
 */
let game: TestGame;
beforeAll(async () => {
  game = await startTestGame(
    { arena: Arena },
    {
      authenticator,
      // Short waits, so that the player without UDP is given up on (SERVER_LINK_UNAVAILABLE) within about
      // 10 s rather than a minute; 4 attempts, so that a slow handshake on a loaded machine is retried
      // rather than given up on.
      serverLink: {
        bindAddress: '127.0.0.1',
        answerTimeoutMs: 2_000,
        directTimeoutMs: 2_000,
        retryMs: 1_000,
        maxFailedAttempts: 4,
      },
    },
  );
});
afterAll(() => game.close());

/** A player of the game, closed when its test ends. */
const players: Client[] = [];
afterEach(async () => {
  await Promise.all(players.splice(0).map((client) => client.close()));
});
function player(name: string, serverLink?: ClientOptions['serverLink']): Client {
  const client = game.client({ token: `key:${name}`, ...(serverLink ? { serverLink } : {}) });
  players.push(client);
  return client;
}

/** Positions by slot, as the newest `positions` datagram said. */
function positionsOf(client: Client): Map<number, { x: number; y: number }> {
  const seen = new Map<number, { x: number; y: number }>();
  client.serverLink.onMessage((channel, bytes) => {
    if (channel !== Channel.phys || bytes[0] !== Kind.positions) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0, at = 2; i < bytes[1]!; i++, at += 5)
      seen.set(view.getUint8(at), { x: view.getInt16(at + 1), y: view.getInt16(at + 3) });
  });
  return seen;
}

/** Shot numbers of the `hit` events, in the order they came. */
function hitsOf(client: Client): number[] {
  const shots: number[] = [];
  client.serverLink.onMessage((channel, bytes) => {
    if (channel === Channel.dispatch && bytes[0] === Kind.hit) shots.push((bytes[1]! << 8) | bytes[2]!);
  });
  return shots;
}

/** Sends "move" inputs at 30 Hz, as a game loop would; returns how to stop. */
function moveAt30Hz(client: Client, dx: number): () => void {
  let seq = 0;
  const timer = setInterval(() => {
    seq = (seq + 1) & 0xffff;
    client.serverLink.send(Channel.phys, Uint8Array.of(Kind.move, seq >> 8, seq & 0xff, dx & 0xff, 0));
  }, 1000 / 30);
  return () => clearInterval(timer);
}

describe('a geckos.io arena, ported', () => {
  it('refuses a token the authorization hook does not take, with its code and message', async () => {
    const intruder = game.client({ token: 'guess' });
    const refused = await intruder.connect().then(
      () => undefined,
      (error: ProtocolError) => error,
    );
    expect(refused?.code).toBe(ErrorCode.UNAUTHORIZED);
    expect(refused?.message).toContain('unknown key');
    expect(intruder.state).toBe('closed'); // for good: it does not try again
  });

  it('takes 30 Hz inputs as datagrams, broadcasts positions, and delivers reliable events once and in order, UDP or not', async () => {
    const ada = player('Ada', nodeRtc);
    const bob = player('Bob', nodeRtc);
    const cy = player('Cy', noUdp);
    const cyNotices: string[] = [];
    cy.on('error', (error) => cyNotices.push(error.code));
    await Promise.all([ada.connect(), bob.connect(), cy.connect()]);

    const adaWelcome = (async () => {
      const room = await ada.create<ToClient, ToServer>('arena');
      return { room, welcome: await nextMessage(room, 'welcome') };
    })();
    const { room: adaRoom, welcome } = await adaWelcome;
    expect(welcome.data).toEqual({ slot: 0, color: 'red' }); // userData from the authorization hook
    const bobRoom = await bob.join<ToClient, ToServer>(adaRoom.roomId);
    const cyRoom = await cy.join<ToClient, ToServer>(adaRoom.roomId);
    const arena = game.room<Arena>(adaRoom.roomId);
    const bobSees = positionsOf(bob);
    const cySees = positionsOf(cy);
    const bobHits = hitsOf(bob);
    const cyHits = hitsOf(cy);

    // Ada and Bob get direct links (datagrams over UDP); Cy cannot, and plays over the WebSocket.
    await eventually(() => ada.serverLink.path === 'direct', "Ada's direct link", 15_000);
    await eventually(() => bob.serverLink.path === 'direct', "Bob's direct link", 15_000);
    const adaMoves = moveAt30Hz(ada, 2);
    const cyMoves = moveAt30Hz(cy, -1);
    try {
      // The room gets both players' inputs, Ada's as datagrams, Cy's over the WebSocket, and everyone
      // sees both move in the positions the room broadcasts.
      await eventually(() => arena.inputs.get(ada.playerId!)!.direct >= 30, "Ada's inputs, direct", 10_000);
      await eventually(() => arena.inputs.get(cy.playerId!)!.relayed >= 30, "Cy's inputs, relayed", 10_000);
      await eventually(() => (bobSees.get(0)?.x ?? 0) >= 40, "Ada's moves in Bob's positions", 10_000);
      await eventually(() => (cySees.get(0)?.x ?? 0) >= 40, "Ada's moves in Cy's positions", 10_000);
      await eventually(() => (bobSees.get(2)?.x ?? 0) <= -20, "Cy's moves in Bob's positions", 10_000);
    } finally {
      adaMoves();
      cyMoves();
    }
    expect(arena.inputs.get(ada.playerId!)!.relayed).toBe(0); // none went over TCP while the link was direct
    expect(cy.serverLink.path).toBe('tcp');
    expect(cy.serverLink.state).toBe('relayed');
    // The server gives up trying and says so, without closing anything.
    await eventually(
      () => cyNotices.includes(ErrorCode.SERVER_LINK_UNAVAILABLE),
      "Cy's SERVER_LINK_UNAVAILABLE notice",
      30_000,
    );
    expect(cy.state).toBe('open');

    // Reliable events: 40 chats (WebSocket) and 40 hits (the link's dispatch channel), each exactly once
    // and in order, for the player on UDP and the player without alike.
    const chatsOf = (room: typeof adaRoom) => {
      const texts: string[] = [];
      room.onMessage('chat', ({ from, text }) => texts.push(`${from}: ${text}`));
      return texts;
    };
    const chats = [chatsOf(adaRoom), chatsOf(bobRoom), chatsOf(cyRoom)];
    for (let i = 1; i <= 40; i++) {
      adaRoom.send('chat', { text: `gg ${i}` });
      adaRoom.send('fire');
    }
    const expected = Array.from({ length: 40 }, (_, i) => i + 1);
    const allIn = () =>
      chats.every((texts) => texts.length >= 40) && bobHits.length >= 40 && cyHits.length >= 40;
    await eventually(allIn, 'every chat and hit', 10_000);
    await serverCaughtUp(ada); // nothing more of Ada's on its way
    for (const texts of chats) expect(texts).toEqual(expected.map((i) => `Ada: gg ${i}`));
    expect(bobHits).toEqual(expected);
    expect(cyHits).toEqual(expected);
    expect(bobRoom.members.map((member) => member.name).sort()).toEqual(['Ada', 'Bob', 'Cy']);
  }, 90_000);

  it('goes on over the WebSocket when UDP stops mid-game, losing no reliable event', async () => {
    let udpCut = false;
    const ada = player('Ada', {
      RTCPeerConnection: firewalled(() => udpCut),
      extraConfiguration: { bindAddress: '127.0.0.1' },
    });
    const bob = player('Bob', nodeRtc);
    await Promise.all([ada.connect(), bob.connect()]);
    const adaRoom = await ada.create<ToClient, ToServer>('arena');
    const bobRoom = await bob.join<ToClient, ToServer>(adaRoom.roomId);
    const arena = game.room<Arena>(adaRoom.roomId);
    const adaStates: string[] = [];
    ada.serverLink.onState((state) => adaStates.push(state));
    const adaHits = hitsOf(ada);
    const bobSees = positionsOf(bob);
    await eventually(() => ada.serverLink.path === 'direct', "Ada's direct link", 15_000);
    const stopMoving = moveAt30Hz(ada, 1);
    try {
      await eventually(() => arena.inputs.get(ada.playerId!)!.direct >= 10, "Ada's inputs, direct", 10_000);
      udpCut = true; // the firewall closes: nothing more either way on the direct path
      for (let i = 0; i < 20; i++) bobRoom.send('fire'); // Bob fires: the room sends every member a hit
      // Both ends hand the silent path's traffic to the WebSocket (1.5 s without a word: the path goes
      // quiet), and give the path up 4 s without one.
      await eventually(() => ada.serverLink.state === 'relayed', "Ada's fall-back to TCP", 20_000);
      const relayedBefore = arena.inputs.get(ada.playerId!)!.relayed;
      const xBefore = bobSees.get(0)?.x ?? 0;
      await eventually(
        () => arena.inputs.get(ada.playerId!)!.relayed >= relayedBefore + 15,
        "Ada's inputs over the WebSocket",
        10_000,
      );
      await eventually(
        () => (bobSees.get(0)?.x ?? 0) > xBefore + 10,
        "Ada's moves after the fall-back",
        10_000,
      );
    } finally {
      stopMoving();
    }
    // The hits sent to Ada while its path died went again over the WebSocket: all, once, in order.
    await eventually(() => adaHits.length >= 20, 'the hits at Ada', 10_000);
    await serverCaughtUp(bob);
    expect(adaHits).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(adaStates).toContain('relayed');
    expect(ada.state).toBe('open');
  }, 60_000);

  it('carries raw binary both ways, to a player on UDP and one without', async () => {
    const ada = player('Ada', nodeRtc);
    const bob = player('Bob', nodeRtc);
    const cy = player('Cy', noUdp);
    await Promise.all([ada.connect(), bob.connect(), cy.connect()]);
    const adaRoom = await ada.create<ToClient, ToServer>('arena');
    await bob.join(adaRoom.roomId);
    await cy.join(adaRoom.roomId);
    await eventually(() => ada.serverLink.path === 'direct', "Ada's direct link", 15_000);
    await eventually(() => bob.serverLink.path === 'direct', "Bob's direct link", 15_000);

    const rawFrom = (client: Client) => {
      const got: number[][] = [];
      client.serverLink.onMessage((channel, bytes) => {
        if (channel === Channel.event && bytes[0] === Kind.raw) got.push([...bytes]);
      });
      return got;
    };
    const bobGot = rawFrom(bob);
    const cyGot = rawFrom(cy);
    const adaGot = rawFrom(ada);
    // An ArrayBuffer is sent as a Uint8Array over it; unreliable as geckos's raw messages, so sent until heard.
    const raw = new Uint8Array([Kind.raw, 0xde, 0xad, 0xbe, 0xef]);
    await eventually(
      () => {
        if (bobGot.length === 0 || cyGot.length === 0) ada.serverLink.send(Channel.event, raw);
        return bobGot.length > 0 && cyGot.length > 0;
      },
      "Ada's raw bytes at Bob and Cy",
      10_000,
    );
    expect(bobGot[0]).toEqual([...raw]);
    expect(cyGot[0]).toEqual([...raw]);
    const fromCy = Uint8Array.of(Kind.raw, 1, 2, 3);
    cy.serverLink.send(Channel.event, fromCy); // over the WebSocket: it arrives
    await eventually(() => adaGot.length > 0, "Cy's raw bytes at Ada", 10_000);
    await serverCaughtUp(ada);
    expect(adaGot).toEqual([[...fromCy]]); // Cy's only: a broadcast goes not back to its sender
  }, 60_000);

  it('tells the others when a player leaves, and when one drops and comes back', async () => {
    const ada = player('Ada');
    const bob = player('Bob');
    const cy = player('Cy');
    await Promise.all([ada.connect(), bob.connect(), cy.connect()]);
    const adaRoom = await ada.create<ToClient, ToServer>('arena');
    await bob.join(adaRoom.roomId);
    await cy.join(adaRoom.roomId);
    const arena = game.room<Arena>(adaRoom.roomId);
    const told: string[] = [];
    adaRoom.on('member-leave', ({ playerId, reason }) => told.push(`leave ${playerId} ${reason}`));
    adaRoom.on('member-away', ({ playerId }) => told.push(`away ${playerId}`));
    adaRoom.on('member-back', ({ playerId }) => told.push(`back ${playerId}`));
    const bobId = bob.playerId!;
    const cyId = cy.playerId!;

    await bob.close(); // geckos's channel.close(): gone for good
    await eventually(() => told.includes(`leave ${bobId} left`), "Bob's leave", 10_000);
    expect(arena.players.has(bobId)).toBe(false);

    dropConnection(cy); // a lost connection: the seat is held while the client comes back by itself
    await eventually(() => told.includes(`back ${cyId}`), "Cy's return", 10_000);
    expect(told).toEqual([`leave ${bobId} left`, `away ${cyId}`, `back ${cyId}`]);
    expect(arena.players.has(cyId)).toBe(true);
  });
});
