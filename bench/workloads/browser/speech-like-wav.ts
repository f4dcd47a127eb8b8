import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A WAV file (48 kHz mono 16-bit) that sounds like continuous speech to an encoder: a voiced tone with a
 * wandering pitch and formant-like harmonics, syllables at about 4 per second and a little noise. Opus
 * then works at its full bitrate (no DTX silence), the worst case for upstream. `pitchHz` gives another
 * voice (its syllables come faster in proportion): two browsers that play each other the same sound
 * they capture have their echo cancellers take each one's microphone for the other's echo, and remove it.
 */
export function writeSpeechLikeWav(seconds = 10, pitchHz = 140): string {
  const rate = 48_000;
  const samples = rate * seconds;
  const buffer = Buffer.alloc(44 + samples * 2);
  buffer.write('RIFF', 0);
  buffer.writeUInt32LE(36 + samples * 2, 4);
  buffer.write('WAVEfmt ', 8);
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(rate, 24);
  buffer.writeUInt32LE(rate * 2, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36);
  buffer.writeUInt32LE(samples * 2, 40);
  let phase = 0;
  let seed = 1;
  const noise = () => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff - 0.5;
  };
  for (let i = 0; i < samples; i++) {
    const t = i / rate;
    const pitch = pitchHz + 40 * Math.sin(2 * Math.PI * 0.7 * t) + 20 * Math.sin(2 * Math.PI * 3.1 * t);
    phase += (2 * Math.PI * pitch) / rate;
    let voiced = 0;
    for (let h = 1; h <= 12; h++) {
      // Two wandering formants shape the harmonics.
      const f = pitch * h;
      const f1 = 600 + 200 * Math.sin(2 * Math.PI * 1.3 * t);
      const f2 = 1_700 + 500 * Math.sin(2 * Math.PI * 0.9 * t);
      const gain = Math.exp(-(((f - f1) / 250) ** 2)) + 0.6 * Math.exp(-(((f - f2) / 350) ** 2)) + 0.05;
      voiced += gain * Math.sin(h * phase);
    }
    const syllable = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * (pitchHz / 140) * t);
    const value = 0.25 * syllable * voiced + 0.03 * noise();
    buffer.writeInt16LE(Math.max(-32_767, Math.min(32_767, Math.round(value * 32_767 * 0.5))), 44 + i * 2);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'vehikill-bench-voice-')), 'speech-like.wav');
  writeFileSync(file, buffer);
  return file;
}
