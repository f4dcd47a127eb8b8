import { describe, expect, it } from 'vitest';
import { tuneOpus } from '../../../src/client/voice/opus-sdp.js';

const sdp = [
  'v=0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

describe('tuneOpus', () => {
  it('turns on DTX and caps the average bitrate on the Opus payload, keeping its other parameters', () => {
    const tuned = tuneOpus(sdp, 20_000);
    expect(tuned).toContain(
      'a=fmtp:111 minptime=10;useinbandfec=1;usedtx=1;maxaveragebitrate=20000;stereo=0',
    );
    expect(tuned).toContain('a=rtpmap:0 PCMU/8000');
  });

  it('adds an fmtp line when the Opus payload has none', () => {
    const bare = sdp.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '');
    expect(tuneOpus(bare, 16_000)).toContain(
      'a=rtpmap:111 opus/48000/2\r\na=fmtp:111 usedtx=1;maxaveragebitrate=16000;stereo=0',
    );
  });

  it('asks for longer packets when told to, replacing any ptime already there', () => {
    const tuned = tuneOpus(`${sdp}a=ptime:20\r\n`, 16_000, 60);
    expect(tuned).toContain('a=rtpmap:111 opus/48000/2\r\na=ptime:60\r\na=maxptime:120');
    expect(tuned.match(/a=ptime:/g)).toHaveLength(1);
    expect(tuneOpus(sdp, 16_000, 20)).not.toContain('a=ptime');
  });
});
