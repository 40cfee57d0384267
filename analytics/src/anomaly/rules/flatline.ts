/**
 * Flatline: the same HR for `minS` seconds. A live heart varies beat to beat (even an ECG strap's 1 Hz HR
 * moves by a beat or two within seconds), so a value that does not change at all is a sensor that stopped
 * measuring and keeps reporting its last or default value.
 */
import type { SignalPoint } from '../types.js'

export interface FlatlineOptions {
  minS: number
}

export function flatline(points: readonly SignalPoint[], options: FlatlineOptions): { startMs: number; evidence: Record<string, number> } | null {
  const last = points.at(-1)
  if (!last) return null
  let i = points.length - 1
  while (i > 0 && points[i - 1]!.hr === last.hr) i--
  const durationS = (last.t - points[i]!.t) / 1000
  return durationS >= options.minS ? { startMs: points[i]!.t, evidence: { hr: last.hr, durationS } } : null
}
