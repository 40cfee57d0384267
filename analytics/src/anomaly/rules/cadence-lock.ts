/**
 * Optical HR locked to cadence: a wrist sensor mistakes the arm's swing or the pedal stroke for the pulse
 * and reports the cadence as HR (a known failure of photoplethysmography in motion; e.g. Gillinov et al.,
 * Med Sci Sports Exerc 2017;49:1697–1703). The sign is an HR that equals the cadence for `windowS`
 * seconds *and* copies its second-to-second changes, which a heart cannot do; or that equals the cadence
 * exactly, reading after reading (a steady cadence has no changes to copy).
 */
import type { SignalPoint } from '../types.js'
import { correlation } from './history.js'

export interface CadenceLockOptions {
  windowS: number
  toleranceBpm: number
  minCadence: number
  minCorrelation: number
}

export function cadenceLock(points: readonly SignalPoint[], options: CadenceLockOptions): { startMs: number; evidence: Record<string, number> } | null {
  const last = points.at(-1)
  if (!last || last.cadence === undefined) return null
  const window = points.filter((p) => p.t > last.t - options.windowS * 1000)
  if (window.length < options.windowS * 0.75 || window[0]!.t > last.t - (options.windowS - 2) * 1000) return null
  if (window.some((p) => p.cadence === undefined || p.cadence < options.minCadence || Math.abs(p.hr - p.cadence) > options.toleranceBpm)) return null
  const dHr = window.slice(1).map((p, i) => p.hr - window[i]!.hr)
  const dCad = window.slice(1).map((p, i) => p.cadence! - window[i]!.cadence!)
  const r = correlation(dHr, dCad)
  const exact = window.every((p) => Math.abs(p.hr - p.cadence!) <= 0.5)
  if (r < options.minCorrelation && !exact) return null
  return { startMs: window[0]!.t, evidence: { hr: last.hr, cadence: last.cadence, correlation: r } }
}
