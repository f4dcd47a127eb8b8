/**
 * How this machine runs Chromium (TESTING.md), in one place for the benchmarks and the tests: the
 * browser's path, its switches, and those of a player's page (WebRTC on loopback, a fake microphone).
 * Bench-owned: tsconfig.build.json compiles `bench` but not `test`, and test/support imports from here.
 */

export const CHROMIUM_PATH = '/usr/lib/chromium/chromium';

/** Headless, no sandbox, no background traffic. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A player's page: WebRTC between pages on loopback, a fake microphone granted without a prompt, and
 * audio that plays without a click. The fake microphone beeps now and then unless `fakeMicrophone`
 * names a WAV file to play instead (`writeSpeechLikeWav`): a voice activity detector may take short
 * beeps for silence.
 */
export function playerArgs(fakeMicrophone?: string): string[] {
  return [
    '--allow-loopback-in-peer-connection',
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
    ...(fakeMicrophone === undefined ? [] : [`--use-file-for-fake-audio-capture=${fakeMicrophone}`]),
  ];
}
