import { RELAY_CONTROL, RelayLink, type RelayLinkOptions } from '../transport/index.js';
import { readControl } from '../transport/keepalive.js';
import type { RoomTransport } from './room-transport.js';

/**
 * A room's relay links: its path through the server to each peer, one per pair, handed to the app
 * (`room.relayLink`) or to the room's mesh, and the frames relayed from each peer handed to its link.
 */
export class RoomRelayLinks {
  readonly #transport: RoomTransport;
  readonly #links = new Map<string, RelayLink>();
  /** The relay links handed to the app (the rest are the mesh's): see `checkNoneOfTheApp`. */
  readonly #appLinks = new WeakSet<RelayLink>();

  constructor(transport: RoomTransport) {
    this.#transport = transport;
  }

  /** The link to `peerId` while it is open; undefined when there is none (or it closed). */
  open(peerId: string): RelayLink | undefined {
    const existing = this.#links.get(peerId);
    return existing && existing.state !== 'closed' ? existing : undefined;
  }

  /** Makes the link to `peerId` (in the place of one that closed). */
  make(peerId: string, options: RelayLinkOptions | undefined): RelayLink {
    const link = new RelayLink(
      peerId,
      {
        clock: this.#transport.clock,
        send: (channel, bytes, messageClass, ttlMs) =>
          this.#transport.sendToPeer(peerId, channel, bytes, messageClass, ttlMs),
      },
      {
        deadAfterMs: Number.POSITIVE_INFINITY,
        ...(this.#transport.conditioner ? { conditioner: this.#transport.conditioner } : {}),
        ...options,
      },
    );
    this.#links.set(peerId, link);
    return link;
  }

  /** `link` was handed to the app. */
  handedToApp(link: RelayLink): void {
    this.#appLinks.add(link);
  }

  /**
   * Throws when a link the app holds is open: the mesh would take the relay path to each peer, and a
   * relay link the app holds is that path: the two were one object, each reading the other's frames, and
   * closing the mesh closed the app's link.
   */
  checkNoneOfTheApp(): void {
    for (const [peerId, link] of this.#links) {
      if (link.state !== 'closed' && this.#appLinks.has(link)) {
        throw new Error(
          `room.mesh(): the app's relay link to ${peerId} is open, and the mesh would share that path; ` +
            'close it first (link.close())',
        );
      }
    }
  }

  /**
   * A frame relayed from `from`, to its link. True when a goodbye came while there is no open link to it
   * (see `RoomConnection.receivePeerData`).
   */
  receive(from: string, channel: number, bytes: Uint8Array, serverTime: number): boolean {
    const link = this.#links.get(from);
    if (link !== undefined && link.state !== 'closed') link.receive(channel, bytes, serverTime);
    else if (channel === RELAY_CONTROL && readControl(bytes)?.type === 'bye') return true;
    return false;
  }

  /** The peer left: its link closes, saying nothing to it. */
  closeOf(peerId: string): void {
    this.#links.get(peerId)?.closeLocally();
    this.#links.delete(peerId);
  }

  /** We left the room: every link closes, saying nothing. */
  closeAll(): void {
    for (const link of this.#links.values()) link.closeLocally();
    this.#links.clear();
  }
}
