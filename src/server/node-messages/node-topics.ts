import * as v from 'valibot';
import type { Clock, Disposer } from '../../common/index.js';
import { ErrorCode, ProtocolError } from '../../protocol/index.js';
import type { MetricsSink } from '../metrics.js';
import type { Registry } from '../registry/registry.js';
import { checkMessageRegistration } from '../rooms/room.js';
import { ThrottledFailures } from '../throttled-failures.js';
import { LastingSubscription } from './lasting-subscription.js';
import {
  asJson,
  ENVELOPE_ALLOWANCE_BYTES,
  readNodeMessage,
  topicChannel,
  topicMessage,
} from './node-envelope.js';
import type { SubscriptionsDown } from './subscriptions-down.js';

/**
 * Hears a message published on a topic (`GameServer.publish`), from any node: `data` as the subscription's
 * schema gives it, `from.nodeId` the node that published it. What it returns is ignored; a throw or a
 * rejection is logged and counted (`topic_handler_errors_total`).
 */
export type TopicHandler<T> = (data: T, from: { nodeId: string }) => unknown;

export interface SubscribeOptions {
  /**
   * Called when messages on the topic may have been missed: this node's subscription was down (Redis
   * restarting, the connection cut) and is back. Pub/sub does not replay what was published meanwhile, so
   * read again what the messages keep in step (from the registry or your own store, or ask the other
   * nodes). Messages published from when it is called are heard. Never with the in-memory registry; now
   * and then after a reconnect that lost nothing. A throw or a rejection is logged and counted, as a
   * handler's.
   */
  onGap?: () => unknown;
}

/** A topic's name: 1-64 letters, digits or `_.:-`, as room types are. */
const TOPIC = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface NodeTopicsOptions {
  registry: Registry;
  clock: Clock;
  metrics: MetricsSink;
  nodeId: string;
  /** The most bytes of JSON a message's data may take (the node's `maxPayloadBytes`). */
  maxBytes: number;
  /** The node's subscriptions not in place now, for its gauge. */
  subscriptionsDown?: SubscriptionsDown;
}

interface Subscriber {
  readonly schema: v.GenericSchema;
  readonly handler: TopicHandler<unknown>;
  readonly onGap: (() => unknown) | undefined;
  /**
   * Its `subscribe` has resolved. Until then it hears nothing, neither messages nor gaps: its caller must
   * have the subscription before being called about it, and one that begins once the topic's subscription
   * is in place has missed nothing. (One waiting through an outage is in the topic's set already, and the
   * gap that ends the outage is told before its wait resolves.)
   */
  resolved: boolean;
}

/** The subscribers of one topic on this node, and the node's one subscription of its channel. */
interface Topic {
  readonly subscribers: Set<Subscriber>;
  /** Undefined for a registry without channels: then only this node's publishing is heard. */
  readonly subscription: LastingSubscription | undefined;
}

/**
 * Messages between the nodes' app code by topic (`GameServer.publish` and `subscribe`, socket.io's
 * `serverSideEmit`): each goes to every node subscribed to its topic, this one included, through the
 * registry's channels. At most once each, and none to a node whose subscription is down as it is sent.
 */
export class NodeTopics {
  readonly #options: NodeTopicsOptions;
  readonly #topics = new Map<string, Topic>();
  readonly #handlerFaults: ThrottledFailures;
  /** Failed attempts to subscribe to topics' channels, one log line for all the topics. */
  readonly #subscriptionFailures: ThrottledFailures;
  #closed = false;

  constructor(options: NodeTopicsOptions) {
    this.#options = options;
    this.#handlerFaults = new ThrottledFailures(
      options.metrics,
      'topic_handler_errors_total',
      'a topic subscriber',
    );
    this.#subscriptionFailures = new ThrottledFailures(
      options.metrics,
      'node_subscription_failures_total',
      'node messages',
    );
  }

  /** See `GameServer.publish`. A topic of another form throws a TypeError at once. */
  publish(topic: string, data: unknown): Promise<number> {
    checkTopic('publish', topic);
    return this.#publish(topic, data);
  }

  async #publish(topic: string, data: unknown): Promise<number> {
    if (this.#closed) throw shuttingDown();
    const { registry, nodeId, maxBytes } = this.#options;
    const carried = asJson(data, `the data published on '${topic}'`, maxBytes);
    const text = JSON.stringify({ v: 1, from: nodeId, ...(carried === undefined ? {} : { data: carried }) });
    if (registry.publish !== undefined) return registry.publish(topicChannel(topic), text);
    // One node and no channels: heard here only, later, as a channel's message would be.
    const here = this.#topics.has(topic);
    if (here) queueMicrotask(() => this.#deliver(topic, text));
    return here ? 1 : 0;
  }

  /** See `GameServer.subscribe`. Arguments of another form throw a TypeError at once. */
  subscribe(
    topic: string,
    schema: v.GenericSchema,
    handler: TopicHandler<unknown>,
    options: SubscribeOptions = {},
  ): Promise<Disposer> {
    checkTopic('subscribe', topic);
    checkMessageRegistration(topic, schema, handler, 'subscribe');
    const onGap = options?.onGap;
    if (onGap !== undefined && typeof onGap !== 'function') {
      throw new TypeError(`subscribe('${topic}', ...): onGap must be a function, got ${typeof onGap}`);
    }
    return this.#subscribe(topic, { schema, handler, onGap, resolved: false });
  }

  async #subscribe(topic: string, subscriber: Subscriber): Promise<Disposer> {
    // A closed node subscribes to nothing more: it would hear the cluster with no one to close the
    // subscription (and open the registry's connections again).
    if (this.#closed) throw shuttingDown();
    const entry = this.#topics.get(topic) ?? this.#listen(topic);
    entry.subscribers.add(subscriber);
    const dispose = () => {
      if (!entry.subscribers.delete(subscriber) || entry.subscribers.size > 0) return;
      if (this.#topics.get(topic) === entry) this.#topics.delete(topic);
      entry.subscription?.close(shuttingDown());
    };
    try {
      // However many attempts it takes (Redis down as the node starts), and for a topic subscribed already
      // on this node, until its subscription is back if the registry lost it (Redis down since): the same
      // wait as the first subscriber's. It fails only as the node closes.
      await entry.subscription?.inPlace;
    } catch (error) {
      dispose();
      throw error;
    }
    // Closed meanwhile: `close` ended the subscription, and nothing is delivered to it.
    if (this.#closed) throw shuttingDown();
    // Heard from the tick after this one: the return resolves the caller's promise, and the caller's
    // `await` goes on at the next tick. A message already due at a tick of its own (published meanwhile,
    // the in-memory registry's) runs before that, and would reach the handler before its caller had the
    // subscription: it finds the subscriber not listening yet. One due later comes after the caller's.
    queueMicrotask(() => {
      subscriber.resolved = true;
    });
    return dispose;
  }

  /** Every subscription ends (the server closes). */
  close(): void {
    this.#closed = true;
    for (const entry of this.#topics.values()) entry.subscription?.close(shuttingDown());
    this.#topics.clear();
  }

  /** Subscribes this node to `topic`'s channel, for its first subscriber, until it is in place. */
  #listen(topic: string): Topic {
    const { registry, clock, nodeId, subscriptionsDown } = this.#options;
    const subscription =
      registry.subscribeChannel === undefined
        ? undefined
        : new LastingSubscription({
            subscribeChannel: registry.subscribeChannel.bind(registry),
            clock,
            channel: topicChannel(topic),
            what: `node ${nodeId}: topic '${topic}'`,
            failures: this.#subscriptionFailures,
            labels: { kind: 'topic' },
            listener: (text) => this.#deliver(topic, text),
            onGap: () => this.#gap(topic),
            down: subscriptionsDown,
          });
    const entry: Topic = { subscribers: new Set(), subscription };
    this.#topics.set(topic, entry);
    subscription?.start().catch(() => {});
    return entry;
  }

  /** The topic's subscription was down and is back: each subscriber that asked is told. */
  #gap(topic: string): void {
    const subscribers = this.#topics.get(topic)?.subscribers ?? new Set<Subscriber>();
    for (const subscriber of [...subscribers]) {
      const { onGap } = subscriber;
      if (onGap !== undefined && hearing(subscriber, subscribers))
        this.#callApp(`the gap on topic '${topic}'`, 'its onGap', onGap);
    }
  }

  #deliver(topic: string, text: string): void {
    const subscribers = this.#topics.get(topic)?.subscribers;
    if (subscribers === undefined) return;
    const { metrics, maxBytes } = this.#options;
    const read = readNodeMessage(topicMessage, text, maxBytes + ENVELOPE_ALLOWANCE_BYTES);
    if (!read.ok) {
      metrics.count('node_messages_dropped_total', { reason: read.reason });
      return;
    }
    const from = { nodeId: read.message.from };
    for (const subscriber of [...subscribers]) {
      if (!hearing(subscriber, subscribers)) continue;
      let parsed: ReturnType<typeof v.safeParse<typeof subscriber.schema>>;
      try {
        parsed = v.safeParse(subscriber.schema, read.message.data);
      } catch (error) {
        this.#handlerFailed(`a message on topic '${topic}'`, 'its schema threw', error);
        continue;
      }
      if (!parsed.success) {
        metrics.count('node_messages_dropped_total', { reason: 'refused' });
        continue;
      }
      const output = parsed.output;
      this.#callApp(`a message on topic '${topic}'`, 'its handler', () => subscriber.handler(output, from));
    }
  }

  /** Calls the app's `call` about `news`: a throw or a rejection is logged and counted, and goes no further. */
  #callApp(news: string, by: string, call: () => unknown): void {
    try {
      const result = call();
      if (result instanceof Promise) {
        result.catch((error: unknown) => this.#handlerFailed(news, `${by} rejected`, error));
      }
    } catch (error) {
      this.#handlerFailed(news, `${by} threw`, error);
    }
  }

  #handlerFailed(news: string, what: string, error: unknown): void {
    this.#handlerFaults.report(this.#options.clock.now(), () => ({
      what: `${news} was not handled: ${what}`,
      error,
    }));
  }
}

const shuttingDown = () => new ProtocolError(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');

function checkTopic(method: string, topic: unknown): void {
  if (typeof topic !== 'string' || !TOPIC.test(topic)) {
    throw new TypeError(
      `${method}: a topic is 1-64 letters, digits or _.:- (like 'bans' or 'match:ended'), got ${JSON.stringify(String(topic).slice(0, 80))}`,
    );
  }
}

/**
 * Whether `subscriber` is to hear what its topic's `subscribers` are told now: its subscribe has resolved,
 * and it was not disposed meanwhile (by another's handler, told first of the same message).
 */
function hearing(subscriber: Subscriber, subscribers: ReadonlySet<Subscriber>): boolean {
  return subscriber.resolved && subscribers.has(subscriber);
}
