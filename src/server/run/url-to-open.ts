/**
 * The address a server's main prints for a person to open (`httpUrl` as `GameServer.listen` gives it). A
 * server listening on every interface (HOST=0.0.0.0 or `::`) reports that address, which is no place to
 * go: browsers refuse `http://0.0.0.0` or reach nothing there. Such a server and one on 127.0.0.1 are
 * reached from this machine at localhost, the name people type; `allInterfaces` says whether other
 * machines can reach it too, which is worth saying.
 */
export function urlToOpen(httpUrl: string): { url: string; allInterfaces: boolean } {
  const url = new URL(httpUrl);
  const allInterfaces = url.hostname === '0.0.0.0' || url.hostname === '[::]';
  if (allInterfaces || url.hostname === '127.0.0.1') url.hostname = 'localhost';
  // URL's own text would add a '/' after the port; the routes are appended to what is returned.
  return { url: url.origin, allInterfaces };
}
