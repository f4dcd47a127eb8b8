/**
 * The server link's direct path, written from docs/protocol.md alone (test/support/foreign-direct-link.ts
 * imports nothing of the library; node-datachannel stands for a native client's WebRTC library). The
 * server is the real library with its server link bound to loopback. When one of these tests fails,
 * either the server or the document changed: the other must follow.
 */
import * as v from 'valibot';
import { Channel, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { type ForeignClient, guestToken, K } from '../support/foreign-client.js';
import {
  encodeBeat,
  ForeignDirectLink,
  LinkSignalFromServer,
  now,
  readBeat,
} from '../support/foreign-direct-link.js';
import { foreignGame } from '../support/foreign-game.js';

const text = new TextEncoder();
const untext = new TextDecoder();

/** Records what arrives on the server link; sends on its `phys` channel when asked to. */
class LinkRoom extends Room {
  static members = new Map<string, RoomClient>();
  static heard: { playerId: string; channel: Channel; text: string }[] = [];
  override onCreate(): void {
    this.onMessage('phys', v.string(), (client, said) => {
      client.link.send(Channel.phys, text.encode(said));
    });
  }
  override onJoin(client: RoomClient): void {
    LinkRoom.members.set(client.playerId, client);
  }
  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    LinkRoom.heard.push({ playerId: client.playerId, channel, text: untext.decode(bytes) });
  }
}

const { start, connect } = foreignGame({ link: LinkRoom }, { serverLink: { bindAddress: '127.0.0.1' } });

const links: ForeignDirectLink[] = [];
afterEach(() => {
  for (const link of links.splice(0)) link.close();
  LinkRoom.members.clear();
  LinkRoom.heard.length = 0;
});

/** Waits for `done`, reading the server's signals meanwhile (generous: a loaded machine is slow). */
async function until(link: ForeignDirectLink, done: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await link.pump();
    if (done()) return;
    if (link.client.closed) throw new Error(`socket closed (${link.client.closed.code}) waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A session that asked for the direct link (`link: true`), its link direct; in a room of its own unless
 * `room` is false ("TCP mode needs no ... room", and neither does the direct attempt).
 */
async function directSession(name: string, room = true) {
  const urls = await start();
  const guest = await guestToken(urls.httpUrl, name);
  const client: ForeignClient = await connect(urls, guest.token);
  const welcome = await client.hello({ link: true });
  expect(welcome.serverLink).toBe(true);
  if (room) expect((await client.request(K.CreateRoom, { type: 'link' })).ok).toBe(true);
  const link = new ForeignDirectLink(client);
  links.push(link);
  await until(link, () => link.open, 'the four channels open');
  return { client, link, welcome };
}

/** The room's view of the player's link, once it is direct. */
async function directMember(link: ForeignDirectLink, playerId: string): Promise<RoomClient> {
  const member = LinkRoom.members.get(playerId)!;
  await until(link, () => member.link.state === 'direct', 'the server sees the link direct');
  return member;
}

describe('the server link, direct, from the document', () => {
  it("answers the server's offer, trickles candidates both ways and opens the four channels", async () => {
    const { client, link } = await directSession('Offer', false);
    const signals = client.frames.filter((f) => f.kind === LinkSignalFromServer);
    const offerAt = signals.findIndex((f) => (f.body.s as { description?: unknown }).description);
    const offer = (signals[offerAt]!.body.s as { description: { type: string; sdp: string } }).description;
    expect(offer.type).toBe('offer');
    // "the offer leaves the DTLS client role to the client (`a=setup:passive`: the answer says `a=setup:active`)"
    expect(offer.sdp).toContain('a=setup:passive');
    expect(link.pc.localDescription?.sdp).toContain('a=setup:active');
    // "The server's own candidates follow only once it has taken the answer": none before the offer
    // was answered, and some after.
    expect(offerAt).toBe(0);
    expect(link.heardCandidates.length).toBeGreaterThan(0);
    expect(link.sentCandidates.length).toBeGreaterThan(0);
    for (const signal of signals) expect(signal.body.n).toBe(link.attempt);
    // The server's channels are negotiated (ids 0-3): it announces none in band, and ours, made with
    // those ids, opened without an announcement from it.
    expect(link.inBand).toBe(0);
    expect(client.closed).toBeUndefined();
  });

  it("carries phys datagrams both ways: ours to the room's onLinkMessage, the room's to us", async () => {
    const { client, link, welcome } = await directSession('Phys');
    await directMember(link, welcome.playerId as string);
    // Volatile: a datagram may be lost, so it is sent again until heard.
    await until(
      link,
      () => {
        link.send(0, text.encode('up'));
        return LinkRoom.heard.some((h) => h.channel === Channel.phys && h.text === 'up');
      },
      'the room hears our phys datagram',
    );
    expect(LinkRoom.heard.every((h) => h.playerId === welcome.playerId)).toBe(true);

    const tcpPhysBefore = client.frames.filter(
      (f) => f.kind === K.DatagramFromServer && f.body.c === 0,
    ).length;
    await until(
      link,
      () => {
        client.sendReliable(K.ClientRoomMessage, { t: 'phys', d: 'down' });
        return link.received.some((m) => m.id === 0 && untext.decode(m.bytes) === 'down');
      },
      "the room's phys datagram on the direct path",
    );
    // It came direct, not as a TCP-mode datagram.
    const tcpPhys = client.frames.filter((f) => f.kind === K.DatagramFromServer && f.body.c === 0).length;
    expect(tcpPhys).toBe(tcpPhysBefore);
  });

  it('keeps the link alive on the control channel: beats both ways, ours echoed, a ping answered', async () => {
    const { client, link } = await directSession('Beat');
    const beats = () =>
      link.received.flatMap((m) => {
        const beat = m.id === 3 ? readBeat(m.bytes) : undefined;
        return beat ? [beat] : [];
      });
    await until(link, () => beats().length >= 1, "the server's first beat on the direct control channel");
    const heard = beats().at(-1)!;
    expect(Number.isFinite(heard.sentAt)).toBe(true);
    expect(heard.datagramsSent).toBeGreaterThan(0);

    // Ours, echoing the server's newest: "An end answers at once ... the first beat it hears on a link".
    const sentAt = now();
    link.send(3, encodeBeat({ sentAt, echo: heard.sentAt, heldMs: 0, datagramsSent: 1, lossOfYours: 65535 }));
    await until(link, () => beats().some((b) => b.echo === sentAt), 'a beat echoing ours');
    const echoing = beats().find((b) => b.echo === sentAt)!;
    expect(echoing.heldMs).toBeGreaterThanOrEqual(0);
    // The TCP path's beats go on while the link is direct ("even while a direct link is up").
    const tcpBeats = () =>
      client.frames.filter((f) => f.kind === K.DatagramFromServer && f.body.c === 3).length;
    const tcpBefore = tcpBeats();
    await until(link, () => tcpBeats() > tcpBefore, 'a beat on the TCP path while direct');

    // An end of the first keepalive: `[1, f64 time]` is answered `[2, f64 time]`.
    const ping = new DataView(new ArrayBuffer(9));
    ping.setUint8(0, 1);
    const pingAt = now();
    ping.setFloat64(1, pingAt);
    link.send(3, new Uint8Array(ping.buffer));
    await until(
      link,
      () => link.received.some((m) => m.id === 3 && m.bytes.length === 9 && m.bytes[0] === 2),
      'the pong',
    );
    const pong = link.received.find((m) => m.id === 3 && m.bytes[0] === 2)!;
    expect(new DataView(pong.bytes.buffer, pong.bytes.byteOffset, 9).getFloat64(1)).toBe(pingAt);
  });

  it("takes the client's goodbye: the link leaves the direct path and the session goes on", async () => {
    const { client, link, welcome } = await directSession('Bye');
    const member = await directMember(link, welcome.playerId as string);
    const from = client.frames.length;
    link.send(3, Uint8Array.of(3));
    await until(link, () => member.link.state !== 'direct', 'the server drops the direct path');
    link.close();
    // TCP mode carries the session's link on: a datagram up still reaches the room.
    client.sendBare(K.DatagramToServer, { c: 0, p: [text.encode('after')] });
    await until(
      link,
      () => LinkRoom.heard.some((h) => h.text === 'after'),
      'a TCP-mode datagram after the goodbye',
    );
    // The server makes a new attempt after its backoff: a fresh offer, numbered above the last.
    const offer = await client.waitFor(
      (f) =>
        f.kind === LinkSignalFromServer &&
        (f.body.s as { description?: { type: string } }).description?.type === 'offer',
      "the next attempt's offer",
      from,
      20_000,
    );
    expect(offer.body.n as number).toBeGreaterThan(link.attempt!);
    expect(client.closed).toBeUndefined();
  });
});
