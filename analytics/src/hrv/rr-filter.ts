/**
 * Artefact and ectopic-beat filtering of RR intervals, before any HRV statistic (Task Force of the ESC and
 * NASPE, "Heart rate variability: standards of measurement", Circulation 1996;93:1043–1065, asks for
 * normal-to-normal intervals only).
 *
 * Two rules, in order:
 *  1. range: an interval outside 300–2000 ms (200–30 bpm) is an artefact (missed or doubled detection);
 *  2. ectopy: an interval that differs by more than 20 % from the median of the previous five accepted
 *     intervals is ectopic or an artefact (the "20 % rule" of Malik et al., "Influence of the recognition
 *     artefact in automatic analysis of long-term electrocardiograms on time-domain measurement of heart
 *     rate variability", Med Biol Eng Comput 1993;31:539–544). Until five intervals are accepted, the
 *     median of those there are is used.
 *
 * Rejected intervals are not interpolated: a successive difference is taken only between two accepted
 * intervals that were adjacent in the recording, so one removed beat removes the two differences it touches.
 */
export interface RrFilterOptions {
  minMs: number
  maxMs: number
  maxRelativeChange: number
  medianOf: number
}

export const DEFAULT_RR_FILTER: RrFilterOptions = { minMs: 300, maxMs: 2000, maxRelativeChange: 0.2, medianOf: 5 }

export interface FilteredRr {
  /** Accepted (normal-to-normal) intervals, ms. */
  nn: number[]
  /** Differences between accepted intervals that were adjacent in the recording, ms. */
  successiveDiffs: number[]
  rejected: number
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function filterRr(rr: readonly number[], options: RrFilterOptions = DEFAULT_RR_FILTER): FilteredRr {
  const nn: number[] = []
  const successiveDiffs: number[] = []
  let rejected = 0
  let previousAccepted: number | undefined // the interval just before this one, if it was accepted
  for (const interval of rr) {
    let ok = interval >= options.minMs && interval <= options.maxMs
    if (ok && nn.length > 0) {
      const reference = median(nn.slice(-options.medianOf))
      ok = Math.abs(interval - reference) <= options.maxRelativeChange * reference
    }
    if (!ok) {
      rejected++
      previousAccepted = undefined
      continue
    }
    if (previousAccepted !== undefined) successiveDiffs.push(interval - previousAccepted)
    nn.push(interval)
    previousAccepted = interval
  }
  return { nn, successiveDiffs, rejected }
}
