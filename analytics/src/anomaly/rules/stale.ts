/**
 * Stale repeats: the device re-sends its last notification. With RR intervals this is unmistakable: new
 * beats never reproduce the exact same list of intervals `minRepeats` times in a row, so an identical HR
 * *and* identical RR list means no new beats were measured. (Without RR, only a long constant can tell,
 * which is the flatline rule.)
 */
import type { SignalPoint } from '../types.js'

export interface StaleOptions {
  minRepeats: number
}

const sameRr = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
  a !== undefined && b !== undefined && a.length > 0 && a.length === b.length && a.every((v, i) => v === b[i])

export function stale(points: readonly SignalPoint[], options: StaleOptions): { startMs: number; evidence: Record<string, number> } | null {
  const last = points.at(-1)
  if (!last?.rr?.length) return null
  let i = points.length - 1
  while (i > 0 && points[i - 1]!.hr === last.hr && sameRr(points[i - 1]!.rr, last.rr)) i--
  const repeats = points.length - i
  return repeats >= options.minRepeats ? { startMs: points[i]!.t, evidence: { hr: last.hr, repeats } } : null
}
