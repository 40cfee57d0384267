/**
 * The summary of one member's class: what the coach's end-of-class screen and its CSV show.
 *
 * Peak 1-minute HR is the highest time-weighted mean HR over any 60 s window. HR recovery is the drop
 * from the highest HR of that hardest minute to the HR 60 s after the minute ends (Cole et al., "Heart-rate
 * recovery immediately after exercise as a predictor of mortality", N Engl J Med 1999;341:1351–1357, measure
 * peak HR minus HR one minute later); it is absent when the session ends, or the strap drops out, before then.
 */
import { EffortAccumulator, type EffortOptions, type EffortProfile, DEFAULT_EFFORT } from './effort-accumulator.js'
import { effortPoints } from './effort-points.js'
import { edwardsTrimp } from './trimp.js'
import { zoneEdges } from '../zones/zone-models.js'
import { ZoneTracker, DEFAULT_ZONE_TRACKER } from '../zones/zone-tracker.js'

export interface HrReading {
  t: number
  hr: number
}

export interface SessionSummary {
  startMs: number
  endMs: number
  avgHr: number
  maxHr: number
  secondsInZone: number[]
  kcal: number
  banisterTrimp: number
  edwardsTrimp: number
  effortPoints: number
  peak1MinHr: number | null
  hrRecovery1Min: number | null
}

export interface SummaryOptions {
  zoneEdges: readonly number[]
  effortPointsPerMin?: readonly number[]
  effort?: EffortOptions
}

/**
 * Time-weighted mean HR over [fromMs, toMs] (each reading holds until the next, unless the gap is a
 * dropout); null when less than 90 % of the window is covered. Starts scanning at index `from`.
 */
function windowMean(readings: readonly HrReading[], fromMs: number, toMs: number, maxGapMs: number, from = 0): number | null {
  if (toMs <= fromMs) return null
  let weighted = 0
  let total = 0
  for (let i = from; i < readings.length - 1 && readings[i]!.t < toMs; i++) {
    const a = readings[i]!
    const b = readings[i + 1]!
    if (b.t - a.t > maxGapMs) continue
    const lo = Math.max(a.t, fromMs)
    const hi = Math.min(b.t, toMs)
    if (hi > lo) {
      weighted += a.hr * (hi - lo)
      total += hi - lo
    }
  }
  return total >= 0.9 * (toMs - fromMs) ? weighted / total : null
}

function hrAt(readings: readonly HrReading[], tMs: number, toleranceMs: number): number | null {
  let best: HrReading | undefined
  for (const r of readings) if (Math.abs(r.t - tMs) <= toleranceMs && (!best || Math.abs(r.t - tMs) < Math.abs(best.t - tMs))) best = r
  return best?.hr ?? null
}

export function summarizeSession(readings: readonly HrReading[], profile: EffortProfile, options: SummaryOptions): SessionSummary | null {
  const sorted = [...readings].sort((a, b) => a.t - b.t)
  if (sorted.length === 0) return null
  const effortOptions = options.effort ?? DEFAULT_EFFORT
  const accumulator = new EffortAccumulator(profile, effortOptions)
  const zones = new ZoneTracker(options.zoneEdges, DEFAULT_ZONE_TRACKER)
  // Edwards' bands are always % of HRmax, whatever zone model the member shows.
  const edwards = new ZoneTracker(zoneEdges('percent_max', { hrMax: profile.hrMax }), { ...DEFAULT_ZONE_TRACKER, hysteresisBpm: 0, tauS: 1e-9 })
  let max = 0
  for (const r of sorted) {
    accumulator.observe(r.t, r.hr)
    zones.observe(r.t, r.hr)
    edwards.observe(r.t, r.hr)
    max = Math.max(max, r.hr)
  }
  const startMs = sorted[0]!.t
  const endMs = sorted.at(-1)!.t
  const maxGapMs = effortOptions.maxGapS * 1000

  let peak1MinHr: number | null = null
  let peakEndMs = 0
  let lo = 0
  for (const r of sorted) {
    if (r.t - 60_000 < startMs) continue
    while (lo + 1 < sorted.length && sorted[lo + 1]!.t <= r.t - 60_000) lo++
    const mean = windowMean(sorted, r.t - 60_000, r.t, maxGapMs, lo)
    if (mean !== null && (peak1MinHr === null || mean > peak1MinHr)) {
      peak1MinHr = mean
      peakEndMs = r.t
    }
  }
  let hrRecovery1Min: number | null = null
  if (peak1MinHr !== null) {
    const peakHr = Math.max(...sorted.filter((r) => r.t >= peakEndMs - 60_000 && r.t <= peakEndMs).map((r) => r.hr))
    const later = hrAt(sorted, peakEndMs + 60_000, 2_000)
    if (later !== null) hrRecovery1Min = peakHr - later
  }
  return {
    startMs,
    endMs,
    avgHr: windowMean(sorted, startMs, endMs, maxGapMs) ?? sorted.reduce((s, r) => s + r.hr, 0) / sorted.length,
    maxHr: max,
    secondsInZone: [...zones.secondsInZone],
    kcal: accumulator.kcal,
    banisterTrimp: accumulator.banisterTrimp,
    edwardsTrimp: edwardsTrimp(edwards.secondsInZone),
    effortPoints: effortPoints(zones.secondsInZone, options.effortPointsPerMin),
    peak1MinHr,
    hrRecovery1Min,
  }
}

