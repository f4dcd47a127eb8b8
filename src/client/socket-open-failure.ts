/**
 * What the app is told of a WebSocket that closed before it opened, while the client has no session:
 * a wrong URL (a path the server serves no WebSocket at, answered HTTP 404) or a server that is not up.
 * `connect()` retries such attempts for ever by default, and said nothing of them, so a typo in the URL
 * left the app waiting with no word. `errorEvent` is the socket's error event: Node's `ws` carries the
 * cause in its `message` ("Unexpected server response: 404"); a browser's tells nothing, and the close
 * code is all there is: so the message names the usual causes, for the developer to check the URL
 * against the server. `url` is the entry point without the token.
 */
export function socketOpenFailure(url: string, errorEvent: unknown, closeCode: number): string {
  const message = (errorEvent as { readonly message?: unknown } | undefined)?.message;
  const why =
    typeof message === 'string' && message !== ''
      ? message
      : `closed (${closeCode}) before it opened (the browser does not say why: no server answers there, ` +
        `its path is not the server's WebSocket path ('/ws' unless the server's \`path\` option says ` +
        `otherwise), or the server refused this page's origin (its \`allowedOrigins\`))`;
  return `could not open a WebSocket to ${url}: ${why}`;
}
