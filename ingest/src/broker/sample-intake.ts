/**
 * The path of a device's PUBLISH before its PUBACK: size check, validation, dead-lettering of what is
 * refused, and the durable append of what is accepted. It runs inside Aedes' `authorizePublish`, which
 * Aedes awaits before it writes the PUBACK (lib/handlers/publish.js), so a PUBACK means "durable".
 *
 * A refused payload is still acknowledged, once its dead letter is durable: a device that is never
 * acknowledged resends the same bad message forever. Its topic is moved under `$pulseline/rejected/`,
 * which no wildcard subscription matches, so live consumers never see it. When only some samples of a
 * batch fail, live consumers get the payload re-encoded with the valid samples only.
 */
import type { PublishPacket } from 'aedes'
import {
  encodePayload,
  pointsInSample,
  rejectedTopic,
  validatePayload,
  writeSampleLines,
  LineBuffer,
  type ErrorCode,
  type SeriesTags,
  type ValidationResult,
} from '@pulseline/protocol'
import type { SampleLog } from '../log/sample-log.js'
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js'
import type { IngestMetrics } from '../metrics.js'
import type { DeviceIdentity } from '../identity/identity.js'
import type { MemberAttribution } from '@pulseline/registry'

const ACCEPTED = { outcome: 'accepted' } as const

export interface IntakeOptions {
  maxPayloadBytes: number
  maxFutureMs: number
  maxPastMs: number
  maxSamples: number
}

/** What a message's validation and encoding came to; for a clean one, its lines are in SampleIntake's buffer. */
type Outcome =
  | { kind: 'clean'; samples: number; points: number }
  | { kind: 'refused'; payload: Buffer; code: ErrorCode; detail: string }
  | { kind: 'mixed'; result: ValidationResult; lines: Buffer | undefined; points: number; erasedAt: Set<number> | undefined }

export interface DeviceSession {
  identity: DeviceIdentity
  clientId: string
  tags: SeriesTags
  /** The device's samples topic, built once rather than per message. */
  topic: string
}

export class SampleIntake {
  /**
   * A message's lines are written here, then copied by the log's append (or by `copy` for a mixed message)
   * before anything awaits. It grows to the largest message's lines, which mqtt.maxPayloadBytes bounds.
   */
  private readonly lines = new LineBuffer()

  constructor(
    private readonly log: SampleLog,
    private readonly deadLetters: DeadLetterStore,
    private readonly metrics: IngestMetrics,
    private readonly options: IntakeOptions,
    /** Member attribution by sample time, when a registry is configured. */
    private readonly attribution?: MemberAttribution,
    /** Whether a sample of a device at a time belongs to an erased member (erasure/erasure-worker.ts). */
    private readonly erased: (device: string, t: number) => boolean = () => false,
  ) {}

  /** Resolves once the packet's samples (or its dead letter) are durable; rejects if the log refuses. */
  async accept(session: DeviceSession, packet: PublishPacket): Promise<void> {
    const started = performance.now()
    try {
      packet.retain = false // health data is never kept in the broker's retained store
      if (this.attribution) await this.attribution.prepare(session.identity.id)
      // Validation and encoding happen in a plain function, and only its small outcome is held here: an async
      // function keeps every local of its frame alive across an await, used again or not (V8 saves the whole
      // register file), so a parsed payload held here would live until its group commit, be copied by every
      // young-generation GC meanwhile and promoted (bench/RESULTS.md).
      const outcome = this.encode(session, packet)
      if (outcome.kind === 'clean') {
        // The common case, kept lean: one append (the log copies the lines before it returns), whose promise
        // the whole group commit shares.
        if (this.lines.length > 0) await this.log.append(this.lines.view())
        this.metrics.samples.inc(outcome.samples)
        this.metrics.points.inc(outcome.points)
        this.metrics.messages.inc(ACCEPTED)
        return
      }
      if (outcome.kind === 'refused') return await this.refuse(session, packet, outcome.payload, outcome.code, outcome.detail)
      await this.intakeMixed(session, packet, outcome.result, outcome.lines, outcome.points, outcome.erasedAt)
    } finally {
      // Aedes writes the PUBACK as soon as this resolves (a refused append closes the connection instead).
      this.metrics.pubackSeconds.observe((performance.now() - started) / 1000)
    }
  }

  /** Validates a payload and writes its accepted samples' lines into `this.lines`. */
  private encode(session: DeviceSession, packet: PublishPacket): Outcome {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload
    if (payload.length > this.options.maxPayloadBytes) {
      return { kind: 'refused', payload, code: 'PL_PAYLOAD_TOO_LARGE', detail: `${payload.length} > ${this.options.maxPayloadBytes} bytes` }
    }
    const result = validatePayload(payload, {
      now: Date.now(),
      maxFutureMs: this.options.maxFutureMs,
      maxPastMs: this.options.maxPastMs,
      maxSamples: this.options.maxSamples,
    })
    if (result.payloadReasons.length > 0) {
      const first = result.payloadReasons[0]!
      return { kind: 'refused', payload, code: first.code, detail: first.message }
    }
    const { attribution, lines } = this
    lines.reset()
    let points = 0
    // An erased member's sample arriving late (a gateway's outbox, a watch's buffer) is dropped: never stored,
    // never forwarded, never dead-lettered. (No array is built on the hot path unless one is.)
    let erasedAt: Set<number> | undefined
    for (let i = 0; i < result.accepted.length; i++) {
      const sample = result.accepted[i]!
      if (this.erased(session.identity.id, sample.t)) {
        ;(erasedAt ??= new Set()).add(i)
        continue
      }
      const tags = attribution ? attribution.tagsAt(session.identity.id, session.identity.gym, sample.t) : session.tags
      writeSampleLines(sample, tags, lines)
      points += pointsInSample(sample)
    }
    if (result.rejected.length === 0 && erasedAt === undefined) return { kind: 'clean', samples: result.accepted.length, points }
    return { kind: 'mixed', result, lines: lines.length > 0 ? lines.copy() : undefined, points, erasedAt }
  }

  /** A message with refused or erased samples: the valid ones appended, the refused dead-lettered, in parallel. */
  private async intakeMixed(session: DeviceSession, packet: PublishPacket, result: ValidationResult, lines: Buffer | undefined, points: number, erasedAt: Set<number> | undefined): Promise<void> {
    const writes: Array<Promise<void>> = []
    if (lines) writes.push(this.log.append(lines))
    for (const bad of result.rejected) {
      for (const code of new Set(bad.reasons.map((r) => r.code))) this.metrics.rejected.inc({ reason: code })
      writes.push(
        this.deadLetters.put(
          { at: Date.now(), reason: bad.reasons[0]!.code, reasons: bad.reasons, device: session.identity.id, client: session.clientId, topic: packet.topic },
          JSON.stringify(bad.sample),
        ),
      )
    }
    this.metrics.deadLetters.inc(result.rejected.length)
    const erased = erasedAt?.size ?? 0
    const accepted = erasedAt ? result.accepted.filter((_, i) => !erasedAt.has(i)) : result.accepted
    if (erased > 0) this.metrics.rejected.inc({ reason: 'PL_SAMPLE_ERASED' }, erased)
    await Promise.all(writes)
    this.metrics.samples.inc(accepted.length)
    this.metrics.points.inc(points)
    if (result.rejected.length === 0 && erased === 0) {
      this.metrics.messages.inc(ACCEPTED)
    } else if (accepted.length > 0) {
      this.metrics.messages.inc({ outcome: 'partial' })
      packet.payload = encodePayload(accepted)
    } else {
      this.metrics.messages.inc({ outcome: 'rejected' })
      packet.topic = rejectedTopic(session.identity.id)
    }
  }

  private async refuse(session: DeviceSession, packet: PublishPacket, payload: Buffer, code: ErrorCode, detail: string): Promise<void> {
    this.metrics.rejected.inc({ reason: code })
    this.metrics.messages.inc({ outcome: 'rejected' })
    this.metrics.deadLetters.inc()
    await this.deadLetters.put({ at: Date.now(), reason: code, detail, device: session.identity.id, client: session.clientId, topic: packet.topic }, payload)
    packet.topic = rejectedTopic(session.identity.id)
  }
}
