/**
 * Sleep stage codes of the two platforms members' watches sync with, so that imported sleep keeps its
 * meaning and exported sleep lands in the right bucket.
 *
 * - Apple HealthKit, HKCategoryValueSleepAnalysis: inBed 0, asleepUnspecified 1, awake 2, asleepCore 3,
 *   asleepDeep 4, asleepREM 5 (iOS 16+; "core" is AASM stages N1+N2, which Pulseline calls "light").
 * - Android Health Connect, SleepSessionRecord.STAGE_TYPE_*: UNKNOWN 0, AWAKE 1, SLEEPING 2, OUT_OF_BED 3,
 *   LIGHT 4, DEEP 5, REM 6, AWAKE_IN_BED 7.
 */
import type { SleepStage } from './samples.js'

export const HEALTHKIT_SLEEP_CODE: Record<SleepStage, number> = {
  in_bed: 0,
  asleep: 1,
  awake: 2,
  light: 3,
  deep: 4,
  rem: 5,
}

export const HEALTH_CONNECT_STAGE: Record<SleepStage, number> = {
  awake: 1,
  asleep: 2,
  light: 4,
  deep: 5,
  rem: 6,
  in_bed: 7,
}

/** HealthKit code to stage; null for a code HealthKit does not define. */
export function fromHealthKit(code: number): SleepStage | null {
  return invert(HEALTHKIT_SLEEP_CODE, code)
}

/**
 * Health Connect stage to stage. UNKNOWN (0) and OUT_OF_BED (3) have no Pulseline stage: out of bed is
 * not part of a sleep record, and an unknown stage would distort the per-stage minutes.
 */
export function fromHealthConnect(code: number): SleepStage | null {
  return invert(HEALTH_CONNECT_STAGE, code)
}

function invert(table: Record<SleepStage, number>, code: number): SleepStage | null {
  for (const [stage, value] of Object.entries(table)) if (value === code) return stage as SleepStage
  return null
}
