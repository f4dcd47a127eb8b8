/** A WebSocket stand-in that only records the URLs it was opened with (never connects). */
export class RecordingSocket {
  static readonly opened: string[] = [];
  binaryType = '';
  readyState = 0;
  bufferedAmount = 0;
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  constructor(url: string) {
    RecordingSocket.opened.push(url);
  }
  send(): void {}
  close(): void {}
}
