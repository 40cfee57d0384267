/**
 * Maximal heart rate: measured, or estimated from age by a published regression.
 *
 *   fox      220 − age            Fox, Naughton & Haskell 1971 (a rule of thumb, never a fitted regression)
 *   tanaka   208 − 0.7 × age      Tanaka, Monahan & Seals, J Am Coll Cardiol 2001;37:153–156
 *   gellish  207 − 0.7 × age      Gellish et al., Med Sci Sports Exerc 2007;39:822–829
 *   nes      211 − 0.64 × age     Nes et al. (HUNT), Scand J Med Sci Sports 2013;23:697–704
 *
 * The default is Tanaka: it comes from a meta-analysis of 351 studies (18,712 subjects) confirmed in a
 * laboratory study of 514 adults, and unlike Fox it does not overestimate HRmax in the young and
 * underestimate it past 40. Every estimate has an SD of about 7–10 bpm, which is why a measured value wins
 * and why HRmax may be raised from observed data (see `HrMaxRaiser`).
 */
export const HR_MAX_FORMULAS = {
  fox: (age: number) => 220 - age,
  tanaka: (age: number) => 208 - 0.7 * age,
  gellish: (age: number) => 207 - 0.7 * age,
  nes: (age: number) => 211 - 0.64 * age,
} as const

export type HrMaxFormula = keyof typeof HR_MAX_FORMULAS
export const DEFAULT_HR_MAX_FORMULA: HrMaxFormula = 'tanaka'

export function estimateHrMax(age: number, formula: HrMaxFormula = DEFAULT_HR_MAX_FORMULA): number {
  return Math.round(HR_MAX_FORMULAS[formula](age))
}

export interface HrMaxRaiseRule {
  /** How long every reading must stay above the current HRmax (s). */
  sustainS: number
  /** Largest change between consecutive readings that still counts as physiology (bpm/s). */
  maxSlopeBpmPerS: number
  /** Largest gap between readings inside the window (s); a gap restarts it. */
  maxGapS: number
  /** No HRmax is ever raised above this (bpm). */
  ceiling: number
}

/**
 * The guard against artefacts when HRmax is raised from data: a new HRmax is accepted only after every
 * reading for `sustainS` seconds stayed above the current one, with no jump steeper than
 * `maxSlopeBpmPerS` and no gap longer than `maxGapS`; HRmax then becomes the *lowest* reading of that
 * window, so that one spike can never set it. A single artefact beat (or a strap locked to cadence, which
 * shows as a jump) restarts the window.
 */
export const DEFAULT_HR_MAX_RAISE: HrMaxRaiseRule = { sustainS: 10, maxSlopeBpmPerS: 8, maxGapS: 3, ceiling: 230 }

export class HrMaxRaiser {
  private windowStartMs: number | undefined
  private windowMin = Infinity
  private lastMs: number | undefined
  private lastHr: number | undefined

  constructor(
    public hrMax: number,
    private readonly rule: HrMaxRaiseRule = DEFAULT_HR_MAX_RAISE,
  ) {}

  /** Feeds one reading; returns the new HRmax when this reading raised it. */
  observe(tMs: number, hr: number): number | undefined {
    const gapS = this.lastMs === undefined ? Infinity : (tMs - this.lastMs) / 1000
    const slope = this.lastHr === undefined || gapS <= 0 ? 0 : Math.abs(hr - this.lastHr) / gapS
    const plausible = gapS <= this.rule.maxGapS && slope <= this.rule.maxSlopeBpmPerS
    this.lastMs = tMs
    this.lastHr = hr
    if (hr <= this.hrMax || hr > this.rule.ceiling) {
      this.windowStartMs = undefined
      return undefined
    }
    if (this.windowStartMs === undefined || !plausible) {
      this.windowStartMs = tMs
      this.windowMin = hr
      return undefined
    }
    this.windowMin = Math.min(this.windowMin, hr)
    if ((tMs - this.windowStartMs) / 1000 < this.rule.sustainS) return undefined
    this.hrMax = Math.round(this.windowMin)
    this.windowStartMs = undefined
    return this.hrMax
  }
}
