import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import type { NodeInfo, Registry } from '../registry/registry.js';

/** Why a draining node's room takes no one (ROOM_FULL), asked there or through another node. */
export const DRAINING_ROOM = 'the room is locked: its server is shutting down';

/** What a redirect needs: where the other nodes are. */
export interface NodeTarget {
  nodeId: string;
  url: string;
}

/**
 * The other nodes sharing the registry, as places to send this node's players: the node hosting the room
 * a player asked for, or, while this one drains, any node still taking players.
 */
export class OtherNodes {
  readonly #registry: Registry;
  readonly #nodeId: string;
  readonly #bootId: string;
  readonly #ownUrl: () => string | undefined;

  /**
   * `nodeId` and `bootId`: this process's, whose record is never a target. Told apart by boot: a process
   * that gave its id up to a newer one (a rolling reload, see `Registry.heartbeat`) finds the newer one
   * listed under its id, and sends players there, as its drain does. `ownUrl`: this node's public URL
   * (once listening), never a target under any id or boot: it is a crashed predecessor's record,
   * live-looking until it expires, whose rooms died with it (a node without a `nodeId` option takes a new
   * random id at each start, one with it a new boot). Sent there, the player came back here, and was sent
   * here again until the client gave up.
   */
  constructor(
    registry: Registry,
    nodeId: string,
    bootId: string,
    ownUrl: () => string | undefined = () => undefined,
  ) {
    this.#registry = registry;
    this.#nodeId = nodeId;
    this.#bootId = bootId;
    this.#ownUrl = ownUrl;
  }

  /** Whether `node` is this process, by id and boot, or a record of its URL (see the constructor). */
  #isThisNode(node: NodeInfo): boolean {
    return (node.nodeId === this.#nodeId && node.bootId === this.#bootId) || node.url === this.#ownUrl();
  }

  /**
   * Throws the redirect to `nodeId` if it is another live node, or ROOM_FULL if that node is draining (its
   * rooms take no one new); returns if it is neither. This node's id is another process's once this one
   * gave it up: its rooms are redirected to as any other node's.
   */
  async redirectTo(nodeId: string): Promise<void> {
    const node = (await this.#registry.listNodes()).find((listed) => listed.nodeId === nodeId);
    if (node === undefined || this.#isThisNode(node)) return;
    if (node.draining) {
      throw new ProtocolError(ErrorCode.ROOM_FULL, DRAINING_ROOM);
    }
    throw redirect({ nodeId: node.nodeId, url: node.url });
  }

  /**
   * While draining: sends the client creating a room of `type` to another live node that defines the type
   * (one that does not would refuse it, ROOM_TYPE_UNKNOWN), or says there is none.
   */
  async sendElsewhere(type: string): Promise<never> {
    const others = [...(await this.live(type)).values()];
    // Spread the moved players over the other nodes rather than piling them on one.
    const target = others[Math.floor(Math.random() * others.length)];
    if (target) throw redirect(target);
    // The message of SERVER_DRAINING is a URL to go to; empty: nowhere else to go.
    throw new ProtocolError(ErrorCode.SERVER_DRAINING, '', { cause: new Error(`no node for '${type}'`) });
  }

  /**
   * Other nodes that take players (alive and not draining), by id; with `type`, only those that define it
   * (or whose record does not say: an earlier version's, see `NodeInfo.roomTypes`).
   */
  async live(type?: string): Promise<Map<string, NodeTarget>> {
    const nodes = await this.#registry.listNodes();
    return new Map(
      nodes
        .filter((node) => !node.draining && !this.#isThisNode(node))
        .filter((node) => type === undefined || defines(node, type))
        .map((node) => [node.nodeId, { nodeId: node.nodeId, url: node.url }]),
    );
  }
}

/**
 * Whether `node` defines room type `type`: its record lists it, or lists none (an earlier version's, see
 * `NodeInfo.roomTypes`).
 */
export function defines(node: NodeInfo, type: string): boolean {
  return node.roomTypes === undefined || node.roomTypes.includes(type);
}

/** The answer that sends a client to the node hosting what it asked for: the message is that node's URL. */
export function redirect(target: NodeTarget): ProtocolError {
  return new ProtocolError(ErrorCode.ROOM_ON_OTHER_NODE, target.url);
}
