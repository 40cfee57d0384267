/**
 * Steps per local day and hour, active minutes and cadence, from the two shapes watches report: a count
 * over an interval that ends at `t`, or a cumulative counter (differenced; a counter that goes down was
 * reset, and its new value is the steps since the reset).
 *
 * A count is spread evenly over its interval's minutes. An active minute has at least 100 steps: the
 * cadence at which walking reaches moderate intensity, about 3 METs (Tudor-Locke et al., "Walking cadence
 * (steps/min) and intensity in 21–40 year olds: CADENCE-adults", Int J Behav Nutr Phys Act 2019;16:8).
 * Cadence is reported as the mean over active minutes and the peak single minute.
 */
import type { StepsSample } from '@pulseline/protocol'
import { localHour } from './local-time.js'

export const ACTIVE_MINUTE_STEPS = 100

export interface DailySteps {
  date: string
  steps: number
  hourly: number[]
  activeMinutes: number
  meanActiveCadence: number | null
  peakMinuteCadence: number
}

/** Steps per UTC minute start (ms), from counts and counters. */
export function stepsPerMinute(samples: readonly StepsSample[]): Map<number, number> {
  const minutes = new Map<number, number>()
  const add = (fromMs: number, toMs: number, steps: number) => {
    if (steps <= 0 || toMs <= fromMs) return
    for (let m = Math.floor(fromMs / 60_000) * 60_000; m < toMs; m += 60_000) {
      const overlap = Math.min(toMs, m + 60_000) - Math.max(fromMs, m)
      if (overlap > 0) minutes.set(m, (minutes.get(m) ?? 0) + (steps * overlap) / (toMs - fromMs))
    }
  }
  let previous: StepsSample | undefined
  for (const s of [...samples].sort((a, b) => a.t - b.t)) {
    if (s.count !== undefined && s.interval_s !== undefined) add(s.t - s.interval_s * 1000, s.t, s.count)
    else if (s.total !== undefined && previous?.total !== undefined) add(previous.t, s.t, s.total >= previous.total ? s.total - previous.total : s.total)
    previous = s
  }
  return minutes
}

export function summarizeSteps(samples: readonly StepsSample[], timeZone: string): DailySteps[] {
  const days = new Map<string, DailySteps & { activeSteps: number }>()
  for (const [minuteMs, steps] of stepsPerMinute(samples)) {
    const { date, hour } = localHour(minuteMs, timeZone)
    let day = days.get(date)
    if (!day) {
      day = { date, steps: 0, hourly: new Array<number>(24).fill(0), activeMinutes: 0, meanActiveCadence: null, peakMinuteCadence: 0, activeSteps: 0 }
      days.set(date, day)
    }
    day.steps += steps
    day.hourly[hour]! += steps
    day.peakMinuteCadence = Math.max(day.peakMinuteCadence, steps)
    if (steps >= ACTIVE_MINUTE_STEPS) {
      day.activeMinutes++
      day.activeSteps += steps
    }
  }
  return [...days.values()]
    .sort((a, b) => a.date.localeCompare(b.date))
    .map(({ activeSteps, ...d }) => ({ ...d, steps: Math.round(d.steps), hourly: d.hourly.map(Math.round), meanActiveCadence: d.activeMinutes ? activeSteps / d.activeMinutes : null }))
}
