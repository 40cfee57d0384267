/**
 * A member's after-class report: the class's figures as the class summary stored them (session_summary), and
 * how they compare with the member's previous classes (the mean of up to the last ten). Pure, and here so that
 * the email (analytics) and the member page (dashboard/web) say the same.
 */
import { ZONE_LABELS } from './zones.js'

export interface ClassFigures {
  session: string
  startMs: number
  endMs: number
  avgHr: number
  maxHr: number
  /** Minutes in zones 0 (rest) to 5 (maximum). */
  zoneMinutes: number[]
  kcal: number
  points: number
  /** Banister TRIMP. */
  trimp: number
  /** Heart-rate recovery one minute after the hardest minute, bpm; null when the class ended before it. */
  hrr1Min: number | null
}

export interface Comparison {
  classes: number
  /** This class minus the mean of the previous ones; null where they have no value. */
  avgHr: number | null
  points: number | null
  kcal: number | null
  trimp: number | null
  hrr1Min: number | null
}

export interface ClassReport {
  figures: ClassFigures
  compared: Comparison | null
}

/** Classes compared against: the last ten, about a month of two or three classes a week. */
export const COMPARED_CLASSES = 10

/** A session_summary row (InfluxDB) as figures; null when it lacks the class's essentials. */
export function figuresOf(row: Record<string, unknown>): ClassFigures | null {
  const n = (key: string) => (typeof row[key] === 'number' && Number.isFinite(row[key]) ? (row[key] as number) : null)
  const avgHr = n('avg_hr')
  const maxHr = n('max_hr')
  if (avgHr === null || maxHr === null || typeof row.session !== 'string') return null
  return {
    session: row.session,
    startMs: n('start_ms') ?? (row.time as number),
    endMs: n('end_ms') ?? (row.time as number),
    avgHr,
    maxHr,
    zoneMinutes: ZONE_LABELS.map((_, z) => (n(`z${z}_s`) ?? 0) / 60),
    kcal: n('kcal') ?? 0,
    points: n('points') ?? 0,
    trimp: n('banister_trimp') ?? 0,
    hrr1Min: n('hrr_1min'),
  }
}

export function classReport(figures: ClassFigures, previous: readonly ClassFigures[]): ClassReport {
  const last = [...previous].filter((p) => p.session !== figures.session && p.startMs < figures.startMs).sort((a, b) => b.startMs - a.startMs).slice(0, COMPARED_CLASSES)
  if (last.length === 0) return { figures, compared: null }
  const delta = (get: (f: ClassFigures) => number | null) => {
    const values = last.map(get).filter((v): v is number => v !== null)
    const now = get(figures)
    return values.length === 0 || now === null ? null : now - values.reduce((a, b) => a + b, 0) / values.length
  }
  return {
    figures,
    compared: { classes: last.length, avgHr: delta((f) => f.avgHr), points: delta((f) => f.points), kcal: delta((f) => f.kcal), trimp: delta((f) => f.trimp), hrr1Min: delta((f) => f.hrr1Min) },
  }
}
