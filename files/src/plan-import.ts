/**
 * From decoded samples to what would be stored: every sample through the live path's validation
 * (protocol's sampleReasons: schema, ranges, consistency, clock skew; no age limit, since history is the
 * point), refused ones counted by reason, and the account `--dry-run` prints. The tally is incremental, so a
 * streamed file (Apple Health) is accounted for without holding its samples.
 */
import { DEFAULT_VALIDATE_OPTIONS, sampleReasons, type Sample, type SampleKind, type ValidateOptions } from '@pulseline/protocol'
import type { DecodedFile, FileFormat, SourceDevice } from './decoded-file.js'

export interface ImportAccount {
  file: string
  format: FileFormat
  device: string
  laps: number
  samples: Partial<Record<SampleKind, number>>
  refused: number
  fromMs: number | null
  toMs: number | null
  hr: { mean: number; max: number } | null
}

export class ImportTally {
  readonly samples: Partial<Record<SampleKind, number>> = {}
  /** Refused samples by error code, with the first reason of each for the message. */
  readonly refused: Record<string, { count: number; example: string }> = {}
  private fromMs = Infinity
  private toMs = -Infinity
  private hrSum = 0
  private hrMax = 0
  private hrCount = 0
  private readonly options: ValidateOptions

  constructor(nowMs = Date.now()) {
    this.options = { ...DEFAULT_VALIDATE_OPTIONS, now: nowMs }
  }

  /** Validates and counts a sample; true when it would be stored. */
  take(sample: Sample): boolean {
    const reasons = sampleReasons(sample, '', this.options)
    if (reasons.length > 0) {
      const r = reasons[0]!
      const entry = (this.refused[r.code] ??= { count: 0, example: `${r.path} ${r.message}`.trim() })
      entry.count++
      return false
    }
    this.samples[sample.kind] = (this.samples[sample.kind] ?? 0) + 1
    if (sample.t < this.fromMs) this.fromMs = sample.t
    if (sample.t > this.toMs) this.toMs = sample.t
    if (sample.kind === 'hr') {
      this.hrSum += sample.bpm
      if (sample.bpm > this.hrMax) this.hrMax = sample.bpm
      this.hrCount++
    }
    return true
  }

  /** Adds another tally's counts to this one. */
  merge(other: ImportTally): void {
    for (const [kind, n] of Object.entries(other.samples) as Array<[SampleKind, number]>) this.samples[kind] = (this.samples[kind] ?? 0) + n
    for (const [code, r] of Object.entries(other.refused)) {
      const entry = (this.refused[code] ??= { count: 0, example: r.example })
      entry.count += r.count
    }
    this.fromMs = Math.min(this.fromMs, other.fromMs)
    this.toMs = Math.max(this.toMs, other.toMs)
    this.hrSum += other.hrSum
    this.hrMax = Math.max(this.hrMax, other.hrMax)
    this.hrCount += other.hrCount
  }

  /** The span of the accepted samples, for summaries to be recomputed over. */
  get span(): { fromMs: number; toMs: number } | undefined {
    return Number.isFinite(this.fromMs) ? { fromMs: this.fromMs, toMs: this.toMs } : undefined
  }

  get accepted(): number {
    return Object.values(this.samples).reduce((n, c) => n + c, 0)
  }

  account(file: string, format: FileFormat, device: SourceDevice, laps: number): ImportAccount {
    return {
      file,
      format,
      device: [device.maker, device.product, device.serial && `serial ${device.serial}`].filter(Boolean).join(' '),
      laps,
      samples: { ...this.samples },
      refused: Object.values(this.refused).reduce((n, r) => n + r.count, 0),
      fromMs: Number.isFinite(this.fromMs) ? this.fromMs : null,
      toMs: Number.isFinite(this.toMs) ? this.toMs : null,
      hr: this.hrCount ? { mean: Math.round((this.hrSum / this.hrCount) * 10) / 10, max: this.hrMax } : null,
    }
  }

  /** The refusals in a sentence, for the dry run and for an import that keeps nothing. */
  describeRefused(): string {
    const parts = Object.entries(this.refused).map(([code, r]) => `${r.count} refused ${code} (${r.example})`)
    return parts.length ? parts.join('; ') : 'the file holds no heart rate, equipment, steps or sleep with times'
  }
}

export interface ImportPlan {
  file: string
  decoded: DecodedFile
  accepted: Sample[]
  tally: ImportTally
}

export function planImport(file: string, decoded: DecodedFile, nowMs = Date.now()): ImportPlan {
  const tally = new ImportTally(nowMs)
  return { file, decoded, accepted: decoded.samples.filter((s) => tally.take(s)), tally }
}

export function accountOf(plan: ImportPlan): ImportAccount {
  return plan.tally.account(plan.file, plan.decoded.format, plan.decoded.device, plan.decoded.laps)
}
