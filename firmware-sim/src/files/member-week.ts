/**
 * A member's last week as their own watch keeps it, for the demo: nights (the hypnograms of
 * physiology/sleep.ts), steps in 15-minute slots through the day, heart rate every 5 minutes while awake, and a
 * morning run at 1 Hz; written as the files their watch or phone would export, in the format given.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { SleepSample, SleepStage } from '@pulseline/protocol'
import { createRandom } from '../random.js'
import { EPOCH_S, simulateNight } from '../physiology/sleep.js'
import { monitoringFit, sleepFit } from './fit-files.js'
import { gpx, healthExport, tcx, type HealthRecord, type TrackPoint } from './xml-files.js'

const DAY = 86_400_000
const SLOT = 15 * 60_000

export interface MemberWeek {
  nights: Array<{ startMs: number; epochs: SleepStage[] }>
  /** Steps per 15-minute slot, by day (UTC midnight) with cumulative counts for monitoring files. */
  days: Array<{ startMs: number; slots: number[] }>
  heartRate: Array<{ t: number; bpm: number }>
  run: TrackPoint[]
}

/** Steps in a 15-minute slot starting at an hour of the day: asleep at night, peaks at commutes and lunch. */
function stepsAt(hour: number, random: ReturnType<typeof createRandom>): number {
  if (hour < 7 || hour >= 23) return 0
  const busy = (hour >= 7 && hour < 9) || (hour >= 12 && hour < 13) || (hour >= 17 && hour < 19)
  return Math.round(busy ? random.uniform(500, 1400) : random.uniform(20, 350))
}

export function simulateWeek(member: string, seed: number, endMs: number, days = 7): MemberWeek {
  const random = createRandom(seed, `week:${member}`)
  const firstDay = Math.floor(endMs / DAY) * DAY - (days - 1) * DAY
  const resting = random.uniform(52, 68)
  const week: MemberWeek = { nights: [], days: [], heartRate: [], run: [] }
  for (let d = 0; d < days; d++) {
    const dayStart = firstDay + d * DAY
    // The night before this day: lights out between 22:00 and 23:30.
    const nightStart = dayStart - 2 * 3_600_000 + Math.round(random.uniform(0, 90)) * 60_000
    week.nights.push({ startMs: nightStart, epochs: simulateNight(random, random.uniform(6.5, 8.5)).epochs })
    const slots: number[] = []
    for (let s = 0; s < 96 && dayStart + (s + 1) * SLOT <= endMs; s++) slots.push(stepsAt(Math.floor(s / 4), random))
    week.days.push({ startMs: dayStart, slots })
    for (let t = dayStart + 7 * 3_600_000; t < Math.min(dayStart + 23 * 3_600_000, endMs); t += 5 * 60_000) {
      const active = slots[Math.floor((t - dayStart) / SLOT)] ?? 0
      week.heartRate.push({ t, bpm: Math.round(resting + 10 + active / 40 + random.normal(0, 3)) })
    }
  }
  // A 30-minute run on the morning of the day before the last.
  const runStart = firstDay + (days - 2) * DAY + 6 * 3_600_000 + 30 * 60_000
  for (let i = 0; i < 1800; i++) week.run.push({ t: runStart + i * 1000, hr: Math.round(Math.min(165, 100 + i / 12) + random.normal(0, 1.5)), cadence: Math.round(84 + random.normal(0, 1)) })
  return week
}

/** HealthKit sleep analysis names for the simulator's stages (the watch stages light sleep as "core"). */
const HEALTH_STAGE: Record<SleepStage, string> = {
  in_bed: 'HKCategoryValueSleepAnalysisInBed',
  asleep: 'HKCategoryValueSleepAnalysisAsleepUnspecified',
  awake: 'HKCategoryValueSleepAnalysisAwake',
  light: 'HKCategoryValueSleepAnalysisAsleepCore',
  deep: 'HKCategoryValueSleepAnalysisAsleepDeep',
  rem: 'HKCategoryValueSleepAnalysisAsleepREM',
}

/** A night's epochs as runs of one stage: [start minute, stage, minutes]. */
function stageRuns(epochs: readonly SleepStage[]): Array<[number, SleepStage, number]> {
  const runs: Array<[number, SleepStage, number]> = []
  epochs.forEach((stage, i) => {
    const last = runs.at(-1)
    if (last && last[1] === stage) last[2] += EPOCH_S / 60
    else runs.push([(i * EPOCH_S) / 60, stage, EPOCH_S / 60])
  })
  return runs
}

/** A night as the sleep samples a watch sends live when it syncs in the morning: one per run of a stage. */
export function nightSamples(night: MemberWeek['nights'][number]): SleepSample[] {
  return stageRuns(night.epochs).map(([minute, stage, minutes]) => ({ kind: 'sleep', t: night.startMs + minute * 60_000, stage, dur_s: Math.round(minutes * 60) }))
}

export type WeekFormat = 'fit' | 'apple_health'

/**
 * Writes the week as files into `dir`; returns their paths. "fit": a sleep file per night, a monitoring file
 * per day, the run as TCX. "apple_health": one export.xml with everything, and the run as GPX.
 */
export async function writeWeekFiles(dir: string, week: MemberWeek, format: WeekFormat, serial: number): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const written: Array<[string, string | Uint8Array]> = []
  if (format === 'fit') {
    for (const night of week.nights) {
      const runs = stageRuns(night.epochs)
      const end = runs.reduce((m, [start, , length]) => Math.max(m, start + length), 0)
      // The last level's end is marked by a final awake message at wake-up.
      const levels = [...runs.map(([minute, stage]) => [minute, stage === 'light' || stage === 'deep' || stage === 'rem' ? stage : 'awake'] as [number, 'awake' | 'light' | 'deep' | 'rem']), [end, 'awake'] as [number, 'awake']]
      written.push([`sleep-${new Date(night.startMs).toISOString().slice(0, 10)}.fit`, sleepFit(night.startMs, levels, serial)])
    }
    for (const day of week.days) {
      let total = 0
      written.push([`monitor-${new Date(day.startMs).toISOString().slice(0, 10)}.fit`, monitoringFit(day.startMs, day.slots.map((n) => (total += n - (n % 2))), serial)])
    }
    written.push(['morning-run.tcx', tcx(week.run, { sport: 'Running', unitId: String(serial) })])
  } else {
    const records: HealthRecord[] = []
    for (const night of week.nights)
      for (const [minute, stage, minutes] of stageRuns(night.epochs))
        records.push({ type: 'HKCategoryTypeIdentifierSleepAnalysis', source: 'Apple Watch', startMs: night.startMs + minute * 60_000, endMs: night.startMs + (minute + minutes) * 60_000, value: HEALTH_STAGE[stage] })
    for (const day of week.days) day.slots.forEach((n, s) => n > 0 && records.push({ type: 'HKQuantityTypeIdentifierStepCount', source: 'Apple Watch', startMs: day.startMs + s * SLOT, endMs: day.startMs + (s + 1) * SLOT, value: n }))
    for (const h of week.heartRate) records.push({ type: 'HKQuantityTypeIdentifierHeartRate', source: 'Apple Watch', startMs: h.t, endMs: h.t, value: h.bpm })
    written.push(['export.xml', healthExport(records)])
    written.push(['morning-run.gpx', gpx(week.run, { type: 'running', creator: 'Apple Watch' })])
  }
  for (const [name, body] of written) await writeFile(join(dir, name), body)
  return written.map(([name]) => join(dir, name))
}
