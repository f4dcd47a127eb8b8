/** Hosts of the `UnreachableSocket`s made so far, in order: a test that counts attempts empties it first. */
export const unreachableHosts: string[] = [];

/** A WebSocket that never opens: each attempt fails as an unreachable server's would (error, then 1006). */
export class UnreachableSocket {
  binaryType = 'arraybuffer';
  readyState = 0;
  bufferedAmount = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(url: string) {
    unreachableHosts.push(new URL(url).host);
    queueMicrotask(() => {
      this.readyState = 3;
      this.onerror?.({});
      this.onclose?.({ code: 1006, reason: '' });
    });
  }
  send(): void {}
  close(): void {}
}
