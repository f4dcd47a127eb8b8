import * as v from 'valibot';
import type { RtcSignal } from '../../transport/index.js';
import { iceCandidateSchema, sessionDescriptionSchema } from '../signal-schema.js';

/** Far more attempts than a room's lifetime makes (they are seconds apart at the fastest). */
const MAX_ATTEMPT = 1_000_000;

/**
 * Voice signaling to one peer, relayed through the room. `voice` is an offer or answer, an ICE candidate,
 * or `offerMe`: the answering side has no working audio connection and asks for an offer (it just
 * started or re-added the peer, or its connection failed). `n` numbers the attempt the signal belongs
 * to; with `offerMe` it is the newest attempt the asker has seen (0 for none).
 *
 * Older clients send no `n` (one attempt each, never retried) and drop `offerMe`, which their schema
 * does not know; the keys they do read kept their meaning, so the two still talk.
 */
export interface VoiceSignal {
  voice: RtcSignal | { offerMe: true };
  n?: number;
}

export const voiceSignalSchema = v.object({
  voice: v.union([
    v.object({ description: sessionDescriptionSchema }),
    v.object({ candidate: iceCandidateSchema }),
    v.object({ offerMe: v.literal(true) }),
  ]),
  n: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_ATTEMPT))),
});

/** A peer's voice signal, or undefined for anything else (mesh signaling shares the room's path). */
export function parseVoiceSignal(raw: unknown): VoiceSignal | undefined {
  const parsed = v.safeParse(voiceSignalSchema, raw);
  return parsed.success ? (parsed.output as VoiceSignal) : undefined;
}
