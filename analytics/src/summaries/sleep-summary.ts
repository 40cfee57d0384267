/**
 * A night's sleep from staged epochs. A night runs noon to noon in the member's zone and is named by the
 * date it ends on (the morning the member wakes up), as consumer sleep trackers report it.
 *
 *   time in bed     first epoch's start to last epoch's end
 *   total sleep     epochs staged asleep, light, deep or rem
 *   efficiency      total sleep / time in bed × 100
 *   latency         time in bed before the first sleep epoch
 *   WASO            awake (or in-bed, not asleep) time between the first and the last sleep epoch
 *   per stage       minutes in each stage
 * (Definitions as in the AASM scoring manual and Ohayon et al., "Meta-analysis of quantitative sleep
 * parameters", Sleep 2004;27:1255–1273.)
 */
import type { SleepSample, SleepStage } from '@pulseline/protocol'
import { localHour } from './local-time.js'

const ASLEEP: ReadonlySet<SleepStage> = new Set(['asleep', 'light', 'deep', 'rem'])

export interface SleepSummary {
  night: string
  inBedMin: number
  totalSleepMin: number
  efficiencyPct: number
  latencyMin: number
  wasoMin: number
  stageMin: Record<SleepStage, number>
}

export function nightOf(ms: number, timeZone: string): string {
  return localHour(ms + 12 * 3_600_000, timeZone).date
}

export function summarizeSleep(samples: readonly Pick<SleepSample, 't' | 'stage' | 'dur_s'>[], timeZone: string): SleepSummary[] {
  const nights = new Map<string, Pick<SleepSample, 't' | 'stage' | 'dur_s'>[]>()
  for (const s of samples) {
    const key = nightOf(s.t, timeZone)
    const list = nights.get(key) ?? []
    list.push(s)
    nights.set(key, list)
  }
  const out: SleepSummary[] = []
  for (const [night, epochs] of [...nights].sort(([a], [b]) => a.localeCompare(b))) {
    epochs.sort((a, b) => a.t - b.t)
    const start = epochs[0]!.t
    const end = Math.max(...epochs.map((e) => e.t + e.dur_s * 1000))
    const stageMin = { in_bed: 0, awake: 0, asleep: 0, light: 0, deep: 0, rem: 0 } as Record<SleepStage, number>
    let sleepMs = 0
    let firstSleep: number | undefined
    let lastSleepEnd: number | undefined
    for (const e of epochs) {
      stageMin[e.stage] += e.dur_s / 60
      if (ASLEEP.has(e.stage)) {
        sleepMs += e.dur_s * 1000
        firstSleep ??= e.t
        lastSleepEnd = e.t + e.dur_s * 1000
      }
    }
    let wasoMs = 0
    if (firstSleep !== undefined)
      for (const e of epochs) if (!ASLEEP.has(e.stage) && e.t >= firstSleep && e.t < lastSleepEnd!) wasoMs += e.dur_s * 1000
    const inBed = end - start
    out.push({
      night,
      inBedMin: inBed / 60_000,
      totalSleepMin: sleepMs / 60_000,
      efficiencyPct: inBed > 0 ? (100 * sleepMs) / inBed : 0,
      latencyMin: firstSleep === undefined ? inBed / 60_000 : (firstSleep - start) / 60_000,
      wasoMin: wasoMs / 60_000,
      stageMin,
    })
  }
  return out
}
