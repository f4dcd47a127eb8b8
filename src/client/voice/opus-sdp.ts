/**
 * Opus settings for voice chat, applied to an SDP: discontinuous transmission (nothing sent in silence),
 * a cap on the average bitrate and, when `packetMs` is above the usual 20, longer packets (`a=ptime`):
 * each packet costs about 40 bytes of RTP, SRTP, UDP and IP headers, so 60 ms packets send a third of
 * that overhead for 40 ms more delay. Browsers take these from the description they receive, so each
 * side munges what it sends out.
 */
export function tuneOpus(sdp: string, maxAverageBitrate: number, packetMs = 20): string {
  const payloadTypes = [...sdp.matchAll(/^a=rtpmap:(\d+) opus\/48000/gim)].map((match) => match[1]);
  let tuned = sdp;
  for (const pt of payloadTypes) {
    const fmtp = new RegExp(`^a=fmtp:${pt} (.*)$`, 'im');
    const extra = `usedtx=1;maxaveragebitrate=${maxAverageBitrate};stereo=0`;
    tuned = fmtp.test(tuned)
      ? tuned.replace(fmtp, (_line, params: string) => `a=fmtp:${pt} ${mergeParams(params, extra)}`)
      : tuned.replace(new RegExp(`^(a=rtpmap:${pt} opus/48000.*)$`, 'im'), `$1\r\na=fmtp:${pt} ${extra}`);
  }
  if (packetMs > 20 && payloadTypes.length > 0) {
    tuned = tuned.replace(/^a=ptime:\d+\r?\n/gim, '').replace(/^a=maxptime:\d+\r?\n/gim, '');
    tuned = tuned.replace(
      /^(a=rtpmap:\d+ opus\/48000.*)$/im,
      `$1\r\na=ptime:${packetMs}\r\na=maxptime:${Math.max(packetMs, 120)}`,
    );
  }
  return tuned;
}

function mergeParams(existing: string, extra: string): string {
  const params = new Map(existing.split(';').map((pair) => pair.trim().split('=') as [string, string]));
  for (const [key, value] of extra.split(';').map((pair) => pair.split('=') as [string, string]))
    params.set(key, value);
  return [...params].map(([key, value]) => `${key}=${value}`).join(';');
}
