import {
  Channel,
  CountingMetrics,
  GameServer,
  type GameServerOptions,
  type MetricsSink,
  PrometheusMetrics,
  Room,
  type RoomClient,
} from 'vehikill-net/server';
import { Channel as TransportChannel } from 'vehikill-net/transport';
import { describe, expect, expectTypeOf, it } from 'vitest';

// What the server samples in docs/server.md and docs/sync.md import, written as they write it.
describe('vehikill-net/server names the docs use', () => {
  it("exports Channel, the type of onLinkMessage's channel and the values to compare it with", () => {
    const seen: Channel[] = [];
    class Arena extends Room {
      override onLinkMessage(_client: RoomClient, channel: Channel, _bytes: Uint8Array) {
        if (channel === Channel.phys) seen.push(channel);
      }
    }
    expect(Channel).toBe(TransportChannel);
    expectTypeOf<Parameters<Arena['onLinkMessage']>[1]>().toEqualTypeOf<TransportChannel>();
  });
});

describe('server.metrics', () => {
  it('is the CountingMetrics made when no sink is given, typed so: total(name) and snapshot() compile', async () => {
    const server = new GameServer({ serverLink: { enabled: false } });
    expectTypeOf(server.metrics).toEqualTypeOf<CountingMetrics>();
    expect(server.metrics).toBeInstanceOf(CountingMetrics);
    expect(server.metrics.total('connections_total')).toBe(0);
    expect(server.metrics.snapshot()).toEqual({});
    await server.close({ drainMs: 0 });
  });

  it('has the type of the sink given, or MetricsSink when the options say no more', () => {
    const prometheus = () => new GameServer({ metrics: new PrometheusMetrics({ processMetrics: false }) });
    expectTypeOf(prometheus).returns.toEqualTypeOf<GameServer<PrometheusMetrics>>();
    const fromOptions = (options: GameServerOptions) => new GameServer(options).metrics;
    expectTypeOf(fromOptions).returns.toEqualTypeOf<MetricsSink>();
  });
});
