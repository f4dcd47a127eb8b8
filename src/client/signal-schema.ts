import * as v from 'valibot';

/** Signaling payloads from peers are peer input: checked like any other before they reach WebRTC. */
export const sessionDescriptionSchema = v.object({
  type: v.picklist(['offer', 'answer']),
  sdp: v.pipe(v.string(), v.maxLength(16_000)),
});

export const iceCandidateSchema = v.object({
  candidate: v.optional(v.pipe(v.string(), v.maxLength(1_024))),
  sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
  sdpMLineIndex: v.optional(v.nullable(v.number())),
  usernameFragment: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(256)))),
});

/** An offer/answer or a candidate, as RtcLink and VoicePeer exchange them. */
export const rtcSignalSchema = v.union([
  v.object({ description: sessionDescriptionSchema }),
  v.object({ candidate: iceCandidateSchema }),
]);
