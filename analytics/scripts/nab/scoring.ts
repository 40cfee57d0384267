/**
 * The Numenta Anomaly Benchmark's scoring, standard profile, written from its published description
 * (A. Lavin and S. Ahmad, "Evaluating Real-time Anomaly Detection Algorithms – the Numenta Anomaly Benchmark",
 * IEEE ICMLA 2015, §III; and the NAB repository's README "Scoring"), so that `npm run score` can be placed
 * beside the detectors NAB publishes. Pure: timestamps, flags and labelled windows in, a score out.
 *
 * - The first 15 % of a file (at most 750 rows) is probation: nothing there counts.
 * - In each labelled window only the earliest detection counts, weighted by a scaled sigmoid of its place:
 *   σ(y) = 2/(1 + e^(5y)) − 1, with y = −1 at the window's left edge (σ = 0.98661) and 0 at its right edge;
 *   divided by σ(−1) so that a detection at the left edge earns exactly A_TP.
 * - A window with no detection costs A_FN.
 * - Every detection outside the windows costs A_FP × σ(y), y its distance past the last window's right edge
 *   in window widths (so a detection just after a window costs little), or A_FP in full with no window before.
 * - Normalised: 100 × (S − S_null) / (S_perfect − S_null), the null detector (flags nothing) scoring 0 and a
 *   perfect one 100.
 */

export interface CostProfile {
  tp: number
  fp: number
  fn: number
}

/** NAB's "standard" application profile (config/profiles.json). */
export const STANDARD_PROFILE: CostProfile = { tp: 1.0, fp: 0.11, fn: 1.0 }

export interface LabelledWindow {
  startMs: number
  endMs: number
}

export interface FileScore {
  raw: number
  nullRaw: number
  perfectRaw: number
  windows: number
  detectedWindows: number
  falsePositives: number
}

export function scaledSigmoid(y: number): number {
  return y >= 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1
}

export function probationRows(rows: number): number {
  return Math.min(Math.floor(0.15 * rows), 0.15 * 5000)
}

export function scoreFile(timestamps: readonly number[], flagged: readonly boolean[], windows: readonly LabelledWindow[], profile: CostProfile = STANDARD_PROFILE): FileScore {
  const maxTp = scaledSigmoid(-1)
  const probation = probationRows(timestamps.length)
  const spans = windows
    .map((w) => {
      const left = timestamps.findIndex((t) => t >= w.startMs)
      let right = -1
      for (let i = timestamps.length - 1; i >= 0 && right < 0; i--) if (timestamps[i]! <= w.endMs) right = i
      return { left, right }
    })
    .filter((s) => s.left >= 0 && s.right >= s.left)
  let raw = 0
  let falsePositives = 0
  let detectedWindows = 0
  let w = 0
  let previous: { right: number; width: number } | undefined
  let windowScored = false
  for (let i = 0; i < timestamps.length; i++) {
    while (w < spans.length && i > spans[w]!.right) {
      if (!windowScored && spans[w]!.right >= probation) raw -= profile.fn
      previous = { right: spans[w]!.right, width: spans[w]!.right - spans[w]!.left + 1 }
      w++
      windowScored = false
    }
    const span = spans[w]
    const inWindow = span !== undefined && i >= span.left && i <= span.right
    if (!flagged[i] || i < probation) continue
    if (inWindow) {
      if (!windowScored) {
        const width = span.right - span.left + 1
        raw += (profile.tp * scaledSigmoid(-(span.right - i + 1) / width)) / maxTp
        windowScored = true
        detectedWindows++
      }
    } else {
      falsePositives++
      raw += previous ? profile.fp * scaledSigmoid(Math.abs(i - previous.right) / Math.max(previous.width - 1, 1)) : -profile.fp
    }
  }
  for (; w < spans.length; w++) {
    if (!windowScored && spans[w]!.right >= probation) raw -= profile.fn
    windowScored = false
  }
  const counted = spans.filter((s) => s.right >= probation).length
  return { raw, nullRaw: -profile.fn * counted, perfectRaw: profile.tp * counted, windows: counted, detectedWindows, falsePositives }
}

/** 100 for a perfect detector, 0 for one that flags nothing; undefined where nothing is labelled. */
export function normalised(scores: readonly FileScore[]): number | undefined {
  const raw = scores.reduce((s, f) => s + f.raw, 0)
  const nil = scores.reduce((s, f) => s + f.nullRaw, 0)
  const perfect = scores.reduce((s, f) => s + f.perfectRaw, 0)
  return perfect === nil ? undefined : (100 * (raw - nil)) / (perfect - nil)
}
