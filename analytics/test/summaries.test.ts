import { describe, expect, it } from 'vitest'
import { summarizeSleep } from '../src/summaries/sleep-summary.js'
import { summarizeSteps } from '../src/summaries/steps-summary.js'
import type { SleepStage } from '@pulseline/protocol'

const at = (iso: string) => Date.parse(iso)

describe('sleep summary', () => {
  it('in bed, total, efficiency, latency, WASO and stages, in the member zone', () => {
    // Sydney (UTC+11 in November): in bed 22:30 local = 11:30Z.
    const plan: [SleepStage, number][] = [['in_bed', 20], ['light', 60], ['deep', 90], ['awake', 15], ['rem', 45], ['light', 120], ['awake', 10]]
    let t = at('2026-11-22T11:30:00Z')
    const epochs = plan.map(([stage, min]) => {
      const e = { t, stage, dur_s: min * 60 }
      t += min * 60_000
      return e
    })
    const [night, ...rest] = summarizeSleep(epochs, 'Australia/Sydney')
    expect(rest).toEqual([])
    expect(night!.night).toBe('2026-11-23') // the morning the member woke up, local
    expect(night!.inBedMin).toBe(360)
    expect(night!.totalSleepMin).toBe(315)
    expect(night!.efficiencyPct).toBeCloseTo(87.5, 9)
    expect(night!.latencyMin).toBe(20)
    expect(night!.wasoMin).toBe(15) // the final 10 min awake are after the last sleep epoch
    expect(night!.stageMin).toMatchObject({ light: 180, deep: 90, rem: 45, awake: 25, in_bed: 20 })
  })
})

describe('steps summary', () => {
  it('daily and hourly totals by local day, active minutes and cadence', () => {
    // New York (UTC−5): 23:50–00:10 local straddles midnight. 120 steps/min reported every 10 s as counts.
    const samples = []
    for (let t = at('2026-11-23T04:50:10Z'); t <= at('2026-11-23T05:10:00Z'); t += 10_000) samples.push({ kind: 'steps' as const, t, count: 20, interval_s: 10 })
    const days = summarizeSteps(samples, 'America/New_York')
    expect(days.map((d) => d.date)).toEqual(['2026-11-22', '2026-11-23'])
    expect(days[0]!.steps).toBe(1200)
    expect(days[0]!.hourly[23]).toBe(1200)
    expect(days[1]!.steps).toBe(1200)
    expect(days[1]!.hourly[0]).toBe(1200)
    expect(days[0]!.activeMinutes).toBe(10)
    expect(days[0]!.meanActiveCadence).toBeCloseTo(120, 9)
    expect(days[0]!.peakMinuteCadence).toBeCloseTo(120, 9)
  })

  it('differences cumulative counters and survives a reset', () => {
    const t0 = at('2026-11-23T12:00:00Z')
    const samples = [
      { kind: 'steps' as const, t: t0, total: 5000 },
      { kind: 'steps' as const, t: t0 + 60_000, total: 5050 },
      { kind: 'steps' as const, t: t0 + 120_000, total: 30 }, // device reset: 30 since
    ]
    const [day] = summarizeSteps(samples, 'UTC')
    expect(day!.steps).toBe(80)
    expect(day!.activeMinutes).toBe(0)
  })
})
