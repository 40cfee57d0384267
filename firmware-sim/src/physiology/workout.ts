/**
 * The class plan: intensity as a fraction of heart-rate reserve over the class's time. A 45-minute
 * interval class: warm-up, 20 minutes of 1:1 intervals, a steady block, and a cool-down; rest outside.
 */
export interface WorkoutPhase {
  untilS: number
  /** Intensity at the start and end of the phase (linear in between), or the two interval levels. */
  from: number
  to: number
  intervalS?: number
}

export const INTERVAL_CLASS: readonly WorkoutPhase[] = [
  { untilS: 300, from: 0.25, to: 0.5 },
  { untilS: 1500, from: 0.85, to: 0.55, intervalS: 60 },
  { untilS: 2100, from: 0.72, to: 0.72 },
  { untilS: 2400, from: 0.92, to: 0.92 },
  { untilS: 2700, from: 0.45, to: 0.2 },
]

/** Intensity (fraction of HRR, 0–1) at `elapsedS` seconds into the class. */
export function classIntensity(elapsedS: number, plan: readonly WorkoutPhase[] = INTERVAL_CLASS): number {
  let start = 0
  for (const phase of plan) {
    if (elapsedS < phase.untilS) {
      if (phase.intervalS) return Math.floor((elapsedS - start) / phase.intervalS) % 2 === 0 ? phase.from : phase.to
      return phase.from + ((phase.to - phase.from) * (elapsedS - start)) / (phase.untilS - start)
    }
    start = phase.untilS
  }
  return 0.1
}
