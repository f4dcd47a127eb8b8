import { RTCPeerConnection } from 'node-datachannel/polyfill';
import {
  Client,
  type ClientOptions,
  type RoomConnection,
  type WebSocketConstructor,
} from 'vehikill-net/client';
import type { RtcPeerConnectionConstructor } from 'vehikill-net/transport';
import { describe, expect, expectTypeOf, it } from 'vitest';
import DefaultWebSocket, { WebSocket } from 'ws';

// What docs/client.md and the README tell Node users to pass, written as they write it: `npm run
// typecheck` fails on this file if the documented calls stop compiling. Nothing here connects.
describe('implementations passed as the docs show', () => {
  it("ws's WebSocket and the browser's fit the client's `WebSocket` option as they are", () => {
    const documented = (url: string) => new Client({ url, WebSocket });
    expectTypeOf(documented).returns.toEqualTypeOf<Client>();
    expectTypeOf(DefaultWebSocket).toExtend<WebSocketConstructor>();
    expectTypeOf(globalThis.WebSocket).toExtend<WebSocketConstructor>();
    expectTypeOf<ClientOptions['WebSocket']>().toEqualTypeOf<WebSocketConstructor | undefined>();
  });

  it('a class whose events lack what the client reads still does not fit', () => {
    class NoData {
      binaryType = 'arraybuffer';
      readonly readyState = 1;
      readonly bufferedAmount = 0;
      onopen: (() => void) | null = null;
      onmessage: ((event: { text: string }) => void) | null = null;
      onclose: ((event: { code: number; reason: string }) => void) | null = null;
      onerror: (() => void) | null = null;
      send(_data: Uint8Array): void {}
      close(): void {}
    }
    expectTypeOf(NoData).not.toExtend<WebSocketConstructor>();
    class NoBufferedAmount {
      binaryType = 'arraybuffer';
      readonly readyState = 1;
      onopen = null;
      onmessage = null;
      onclose = null;
      onerror = null;
      send(_data: Uint8Array): void {}
      close(): void {}
    }
    expectTypeOf(NoBufferedAmount).not.toExtend<WebSocketConstructor>();
  });

  it("node-datachannel's polyfill and the browser's RTCPeerConnection fit where the client takes one", () => {
    const serverLink = (url: string) => new Client({ url, WebSocket, serverLink: { RTCPeerConnection } });
    const mesh = (room: RoomConnection) =>
      room.mesh({ rtc: { RTCPeerConnection, extraConfiguration: { bindAddress: '127.0.0.1' } } });
    const voice = (room: RoomConnection) => room.voice({ RTCPeerConnection });
    expectTypeOf(serverLink).returns.toEqualTypeOf<Client>();
    expectTypeOf(mesh).toBeFunction();
    expectTypeOf(voice).toBeFunction();
    expectTypeOf(RTCPeerConnection).toExtend<RtcPeerConnectionConstructor>();
    expectTypeOf(globalThis.RTCPeerConnection).toExtend<RtcPeerConnectionConstructor>();
    // The checks above are made by the compiler; at run time there is nothing to see.
    expect(typeof RTCPeerConnection).toBe('function');
  });
});
