/**
 * Daily values against the member's own baseline: a resting HR well above, or an HRV well below, what is
 * normal *for this member*. Population norms are useless here (resting HR spans 40–90 bpm in healthy
 * adults); within one person a rise of several bpm, or a fall of ln RMSSD by three of their own SDs, is
 * what illness, overreaching or poor recovery look like (Plews et al., "Training adaptation and heart rate
 * variability in elite endurance athletes", Sports Med 2013;43:773–781, who also recommend ln RMSSD
 * because RMSSD is skewed).
 *
 * The baseline is the previous `baselineDays` days (at least `minDays` of them with data); today is flagged
 * when it is beyond `zLimit` SDs and, for resting HR, also at least `minRiseBpm` above the mean, so a very
 * steady member is not flagged for one beat. A day that was flagged stays out of later baselines, so a
 * week of illness does not become the new normal while it lasts.
 */
export interface BaselineOptions {
  baselineDays: number
  minDays: number
  zLimit: number
  minRiseBpm: number
}

export const DEFAULT_BASELINE: BaselineOptions = { baselineDays: 28, minDays: 7, zLimit: 3, minRiseBpm: 5 }

export interface DailyValue {
  /** YYYY-MM-DD in the member's zone. */
  date: string
  restingHr?: number
  rmssdMs?: number
}

export interface BaselineFinding {
  date: string
  type: 'elevated_resting_hr' | 'reduced_hrv'
  value: number
  baselineMean: number
  baselineSd: number
  z: number
}

function stats(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1))
  return { mean, sd }
}

/** Findings for every day that has enough history before it; days are taken in date order. */
export function baselineFindings(days: readonly DailyValue[], options: BaselineOptions = DEFAULT_BASELINE): BaselineFinding[] {
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date))
  const out: BaselineFinding[] = []
  const flagged = new Set<string>() // `${type}:${date}`
  for (let i = 0; i < sorted.length; i++) {
    const today = sorted[i]!
    const past = sorted.slice(Math.max(0, i - options.baselineDays), i)
    const rest = past.flatMap((d) => (d.restingHr === undefined || flagged.has(`elevated_resting_hr:${d.date}`) ? [] : [d.restingHr]))
    if (today.restingHr !== undefined && rest.length >= options.minDays) {
      const { mean, sd } = stats(rest)
      const z = (today.restingHr - mean) / Math.max(sd, 0.5)
      if (z >= options.zLimit && today.restingHr - mean >= options.minRiseBpm)
        out.push({ date: today.date, type: 'elevated_resting_hr', value: today.restingHr, baselineMean: mean, baselineSd: sd, z })
    }
    const lnRmssd = past.flatMap((d) => (d.rmssdMs === undefined || d.rmssdMs <= 0 || flagged.has(`reduced_hrv:${d.date}`) ? [] : [Math.log(d.rmssdMs)]))
    if (today.rmssdMs !== undefined && today.rmssdMs > 0 && lnRmssd.length >= options.minDays) {
      const { mean, sd } = stats(lnRmssd)
      const z = (Math.log(today.rmssdMs) - mean) / Math.max(sd, 0.02)
      if (z <= -options.zLimit) out.push({ date: today.date, type: 'reduced_hrv', value: today.rmssdMs, baselineMean: Math.exp(mean), baselineSd: sd, z })
    }
    for (const f of out) if (f.date === today.date) flagged.add(`${f.type}:${f.date}`)
  }
  return out
}
