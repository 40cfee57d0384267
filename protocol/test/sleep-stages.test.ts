import { describe, expect, it } from 'vitest'
import { HEALTHKIT_SLEEP_CODE, HEALTH_CONNECT_STAGE, SLEEP_STAGES, fromHealthConnect, fromHealthKit } from '../src/index.js'

describe('sleep stage mapping', () => {
  it('round-trips every stage through both platforms', () => {
    for (const stage of SLEEP_STAGES) {
      expect(fromHealthKit(HEALTHKIT_SLEEP_CODE[stage])).toBe(stage)
      expect(fromHealthConnect(HEALTH_CONNECT_STAGE[stage])).toBe(stage)
    }
  })

  it('maps the platform codes as documented (HKCategoryValueSleepAnalysis, SleepSessionRecord)', () => {
    expect(fromHealthKit(3)).toBe('light') // asleepCore
    expect(fromHealthKit(4)).toBe('deep')
    expect(fromHealthConnect(6)).toBe('rem')
    expect(fromHealthConnect(0)).toBeNull() // UNKNOWN
    expect(fromHealthConnect(3)).toBeNull() // OUT_OF_BED
    expect(fromHealthKit(9)).toBeNull()
  })
})
