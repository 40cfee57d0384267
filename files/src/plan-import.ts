/**
 * From a decoded file to what would be stored: every sample through the live path's validation
 * (protocol's sampleReasons: schema, ranges, consistency, clock skew; no age limit, since history is the
 * point), refused ones counted by reason, and the account `--dry-run` prints.
 */
import { DEFAULT_VALIDATE_OPTIONS, sampleReasons, type HeartRateSample, type Sample, type SampleKind } from '@pulseline/protocol'
import type { DecodedFile } from './decoded-file.js'

export interface ImportPlan {
  file: string
  decoded: DecodedFile
  accepted: Sample[]
  /** Refused samples by error code, with the first reason of each for the message. */
  refused: Record<string, { count: number; example: string }>
}

export interface ImportAccount {
  file: string
  format: string
  device: string
  laps: number
  samples: Partial<Record<SampleKind, number>>
  refused: number
  fromMs: number | null
  toMs: number | null
  hr: { mean: number; max: number } | null
}

export function planImport(file: string, decoded: DecodedFile, nowMs = Date.now()): ImportPlan {
  const accepted: Sample[] = []
  const refused: ImportPlan['refused'] = {}
  const options = { ...DEFAULT_VALIDATE_OPTIONS, now: nowMs }
  for (const sample of decoded.samples) {
    const reasons = sampleReasons(sample, '', options)
    if (reasons.length === 0) {
      accepted.push(sample)
      continue
    }
    const r = reasons[0]!
    const entry = (refused[r.code] ??= { count: 0, example: `${r.path} ${r.message}`.trim() })
    entry.count++
  }
  return { file, decoded, accepted, refused }
}

export function accountOf(plan: ImportPlan): ImportAccount {
  const samples: ImportAccount['samples'] = {}
  let fromMs = Infinity
  let toMs = -Infinity
  let hrSum = 0
  let hrMax = 0
  let hrCount = 0
  for (const s of plan.accepted) {
    samples[s.kind] = (samples[s.kind] ?? 0) + 1
    fromMs = Math.min(fromMs, s.t)
    toMs = Math.max(toMs, s.t)
    if (s.kind === 'hr') {
      hrSum += (s as HeartRateSample).bpm
      hrMax = Math.max(hrMax, (s as HeartRateSample).bpm)
      hrCount++
    }
  }
  const d = plan.decoded.device
  return {
    file: plan.file,
    format: plan.decoded.format,
    device: [d.maker, d.product, d.serial && `serial ${d.serial}`].filter(Boolean).join(' '),
    laps: plan.decoded.laps,
    samples,
    refused: Object.values(plan.refused).reduce((n, r) => n + r.count, 0),
    fromMs: Number.isFinite(fromMs) ? fromMs : null,
    toMs: Number.isFinite(toMs) ? toMs : null,
    hr: hrCount ? { mean: Math.round((hrSum / hrCount) * 10) / 10, max: hrMax } : null,
  }
}
