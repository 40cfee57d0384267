/**
 * The v1 payload: a versioned envelope that carries a batch of samples. Batching is the main lever for
 * broker throughput (ARCHITECTURE.md, measured facts), so a gateway sends many samples per message.
 *
 *   { "v": 1, "samples": [ { "kind": "hr", "t": 1700000000000, "bpm": 142, "rr_ms": [412, 420] }, ... ] }
 *
 * The device and gym are not in the payload: the topic names them and the broker checks the topic
 * against the authenticated identity, so the payload cannot claim to be someone else.
 * Samples are checked one by one against their kind's schema (samples.ts), so that the valid ones in
 * a batch survive an invalid neighbour.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { Sample } from './samples.js'

export const PAYLOAD_VERSION = 1

export const Envelope = Type.Object(
  {
    v: Type.Literal(PAYLOAD_VERSION),
    samples: Type.Array(Type.Unknown(), { minItems: 1 }),
  },
  { additionalProperties: false },
)

export type Envelope = Static<typeof Envelope>

/** Serialises samples as a v1 payload. */
export function encodePayload(samples: readonly Sample[]): Buffer {
  return Buffer.from(JSON.stringify({ v: PAYLOAD_VERSION, samples }))
}
