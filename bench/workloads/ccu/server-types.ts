/** A server under test, as its process sees it. */
export interface RunningServer {
  /** Where bots connect (a WebSocket URL). */
  url: string;
  close(): Promise<void>;
}
