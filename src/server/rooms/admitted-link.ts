import { type Disposer, Emitter } from '../../common/index.js';
import { type Channel, checkSendArguments, type Link, type LinkState } from '../../transport/core.js';
import type { ServerLink } from '../server-link/server-link.js';

/** What adaptive rates read of a server link (see RoomSync's AdaptiveLinkFacts), kept read-only. */
export type AdmittedLink = Link & Pick<ServerLink, 'device' | 'queuedBytes'>;

/** Where a player's join of a room stands (see `HostedClient.admission`). */
export type Admission = 'deciding' | 'seated' | 'refused' | 'left';

/** A seating's view of the player's link, and how to take what it added off the player's link. */
export interface AdmittedLinkHandle {
  readonly link: AdmittedLink;
  /**
   * The player is seated: the link's state, which read 'connecting' while the room decided, reads the
   * player's link's now, and the state listeners added meanwhile are told it (once, as any change).
   */
  seated(): void;
  /**
   * The seating is over (the player left, the join was refused): the listeners added through `link` come
   * off the player's link. Filtered, they heard nothing any more, but stayed there until the session
   * ended: a session going through many rooms kept every one of them, and what they hold.
   */
  release(): void;
}

/**
 * What a `RoomClient` gives as its `link`: the player's server link as far as this seating may use it,
 * asked afresh at every call, as a room may keep the object:
 * - while the room decides on the join (`onJoin`, `stateFor` during it): it reads 'connecting' and refuses
 *   every send (false, as a link not up yet answers). The player's client knows nothing of the room before
 *   the join's answer, and what came on its link ahead of that would go to the room it is in now, or to
 *   none; `client.send`, which waits for the answer, is how to greet a joiner.
 * - while the player is seated: the player's link, its messages and states heard.
 * - once the join was refused, or the player left (or the room went): it reads 'closed', nothing is sent,
 *   nothing more heard, and closing it closes nothing. The player's link serves the room they are in now.
 * Its stats and quality are always the player's link's, read-only. The caller calls `release` once the
 * admission is 'refused' or 'left'.
 */
export function admittedLink(admission: () => Admission, link: ServerLink): AdmittedLinkHandle {
  const seated = () => admission() === 'seated';
  const gone = () => {
    const now = admission();
    return now === 'refused' || now === 'left';
  };
  /** Disposers of the listeners this seating added to the player's link and has not taken off. */
  const added = new Set<Disposer>();
  const add = (register: () => Disposer): Disposer => {
    if (gone()) return () => {};
    const dispose = register();
    const remove = () => {
      added.delete(remove);
      dispose();
    };
    added.add(remove);
    return remove;
  };
  /**
   * State listeners added while the room decided, to tell at the seating: a link that went direct before
   * (the player's usual case: direct in the lobby, then joining) changes no more, and a room listening from
   * `onJoin` never heard it, reading 'connecting' there.
   */
  const atSeating = new Emitter<{ state: LinkState }>();
  return {
    link: {
      get state(): LinkState {
        if (seated()) return link.state;
        return gone() ? 'closed' : 'connecting';
      },
      // Checked whether seated or not: a room's bug shows from its first call, not only once a player sits.
      send: (channel: Channel, bytes: Uint8Array) => {
        checkSendArguments(channel, bytes);
        return seated() && link.send(channel, bytes);
      },
      sendTagged: (channel: Channel, tag: number, body: Uint8Array) => {
        checkSendArguments(channel, body);
        return seated() && link.sendTagged(channel, tag, body);
      },
      // Heard while seated only: a listener added from this seating must not hear the player in their next room.
      onMessage: (listener: (channel: Channel, bytes: Uint8Array) => void): Disposer =>
        add(() =>
          link.onMessage((channel, bytes) => {
            if (seated()) listener(channel, bytes);
          }),
        ),
      onState: (listener: (state: LinkState) => void): Disposer =>
        add(() => {
          const changes = link.onState((state) => {
            if (seated()) listener(state);
          });
          const seating = admission() === 'deciding' ? atSeating.on('state', listener) : () => {};
          return () => {
            changes();
            seating();
          };
        }),
      stats: () => link.stats(),
      get quality() {
        return link.quality;
      },
      get device() {
        return link.device;
      },
      queuedBytes: () => link.queuedBytes(),
      close: () => {
        if (seated()) link.close();
      },
    },
    seated: () => {
      if (seated()) atSeating.emit('state', link.state);
      atSeating.removeAll();
    },
    release: () => {
      for (const dispose of [...added]) dispose();
    },
  };
}
