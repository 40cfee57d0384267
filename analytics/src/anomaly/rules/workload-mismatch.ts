/**
 * HR that does not follow workload on a connected machine. Over a working range HR rises roughly linearly
 * with power, with a lag of tens of seconds, so over a few minutes in which power changed substantially HR
 * must change with it. The rule compares HR over the last `windowS` seconds with power over the same span
 * `lagS` seconds earlier (so a change of power in the last few seconds, which HR cannot have followed yet,
 * never counts): power varied (SD ≥ `minPowerSdW`), yet HR barely moved (SD < `maxHrSdBpm`) and does not
 * correlate with it. Then the HR is
 * not this member's (a strap on someone else, a wrong assignment) or not a measurement at all.
 */
import type { SignalPoint } from '../types.js'
import { correlation, std } from './history.js'

export interface WorkloadOptions {
  windowS: number
  lagS: number
  minPowerSdW: number
  maxHrSdBpm: number
  maxCorrelation: number
}

export function workloadMismatch(points: readonly SignalPoint[], options: WorkloadOptions): { startMs: number; evidence: Record<string, number> } | null {
  const last = points.at(-1)
  if (!last || last.powerW === undefined) return null
  const lagMs = options.lagS * 1000
  const from = last.t - options.windowS * 1000 - lagMs
  const span = points.filter((p) => p.t >= from && p.powerW !== undefined)
  if (span.length < (options.windowS + options.lagS) * 0.8 || span[0]!.t > from + 5000) return null
  // Pair each HR of the window with the power `lagS` earlier (readings are ~1 Hz; pair by index offset).
  const lag = span.findIndex((p) => p.t >= from + lagMs)
  const hr = span.slice(lag).map((p) => p.hr)
  const power = span.slice(0, hr.length).map((p) => p.powerW!)
  const powerSd = std(power)
  if (powerSd < options.minPowerSdW) return null
  const hrSd = std(hr)
  const r = correlation(hr, power)
  if (hrSd >= options.maxHrSdBpm || r > options.maxCorrelation) return null
  return { startMs: span[lag]!.t, evidence: { powerSdW: powerSd, hrSdBpm: hrSd, correlation: r } }
}
