/**
 * Calories, TRIMP and effort points added up as readings arrive, over real time gaps. Used by the live
 * path (one per member per class) and by `summarizeSession`, so both give the same numbers.
 */
import { keytelKcalPerMin, type CalorieInputs } from './calories.js'
import { banisterPerMin } from './trimp.js'

export interface EffortProfile extends CalorieInputs {
  hrMax: number
  restingHr: number
}

export interface EffortOptions {
  /** Readings further apart than this are a dropout: nothing is added for the gap (s). */
  maxGapS: number
  /** Below this fraction of HRmax no calories are counted (outside Keytel's data; see calories.ts). */
  minFractionOfHrMax: number
}

export const DEFAULT_EFFORT: EffortOptions = { maxGapS: 5, minFractionOfHrMax: 0.5 }

export class EffortAccumulator {
  kcal = 0
  banisterTrimp = 0
  private lastMs: number | undefined
  private lastHr = 0

  constructor(
    public profile: EffortProfile,
    private readonly options: EffortOptions = DEFAULT_EFFORT,
  ) {}

  /** Adds the interval since the previous reading at the previous reading's HR (left Riemann sum). */
  observe(tMs: number, hr: number): void {
    if (this.lastMs !== undefined && tMs <= this.lastMs) return
    if (this.lastMs !== undefined) {
      const minutes = (tMs - this.lastMs) / 60_000
      if (minutes * 60 <= this.options.maxGapS) {
        const p = this.profile
        if (this.lastHr >= this.options.minFractionOfHrMax * p.hrMax) this.kcal += keytelKcalPerMin(this.lastHr, p) * minutes
        this.banisterTrimp += banisterPerMin(this.lastHr, p.restingHr, p.hrMax, p.sex) * minutes
      }
    }
    this.lastMs = tMs
    this.lastHr = hr
  }
}
