/**
 * Rollups into InfluxDB, done by analytics rather than continuous queries (which InfluxDB 3 does not
 * have; ARCHITECTURE.md). Every rollup point is keyed by its series and its period's start, so recomputing a
 * period overwrites the same points: rollups are idempotent, and late data is folded in by the next pass
 * over the lookback window.
 *
 *   hr_1m          mean/min/max/n of bpm per device and member, per minute
 *   equipment_1m   mean power, speed and cadence, max power, readings (n), per machine and member, per minute
 *   session_summary  per member per ended class (effort/session-summary.ts)
 *   steps_daily, steps_hourly, sleep_daily, daily_baseline   per member per local day (summaries/)
 *   anomaly (elevated_resting_hr, reduced_hrv)   against the member's own baseline (anomaly/baseline.ts)
 */
import { rowsOf, type InfluxClient, timeRange } from '@pulseline/influx'
import { SLEEP_STAGE_FIELD, pointLine, type SleepStage, type StepsSample } from '@pulseline/protocol'
import type { ClassSession } from '@pulseline/registry'
import { summarizeSession, type HrReading } from '../effort/session-summary.js'
import { summarizeSleep, nightOf } from '../summaries/sleep-summary.js'
import { summarizeSteps } from '../summaries/steps-summary.js'
import { localHour } from '../summaries/local-time.js'
import { baselineFindings, type DailyValue } from '../anomaly/baseline.js'
import { hrvOf } from '../hrv/hrv-metrics.js'
import type { Physiology } from '../live/physiology.js'

const MINUTE = 60_000
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)

/** 1-minute HR and equipment aggregates for whole minutes in [fromMs, toMs). Returns the lines written. */
export async function rollupMinutes(influx: InfluxClient, fromMs: number, toMs: number): Promise<number> {
  const from = Math.floor(fromMs / MINUTE) * MINUTE
  const to = Math.floor(toMs / MINUTE) * MINUTE
  if (to <= from) return 0
  let body = ''
  const hr = rowsOf(await influx.query(`SELECT mean(bpm) AS mean, min(bpm) AS min, max(bpm) AS max, count(bpm) AS n FROM hr WHERE ${timeRange(from, to)} GROUP BY time(1m), device, gym, member`))
  for (const r of hr) {
    if (!r.n) continue
    body += pointLine('hr_1m', { device: str(r.device), gym: str(r.gym), member: str(r.member) }, { mean: r.mean as number, min: r.min as number, max: r.max as number, n: r.n as number }, r.time as number)
  }
  const eq = rowsOf(
    await influx.query(
      `SELECT mean(power_w) AS power_w, max(power_w) AS power_w_max, mean(speed_kmh) AS speed_kmh, mean(cadence_rpm) AS cadence_rpm, mean(stroke_rate_spm) AS stroke_rate_spm, count(power_w) AS n_power, count(speed_kmh) AS n_speed FROM equipment WHERE ${timeRange(from, to)} GROUP BY time(1m), device, gym, machine, member`,
    ),
  )
  for (const r of eq) {
    const fields = { power_w: r.power_w as number | null, power_w_max: r.power_w_max as number | null, speed_kmh: r.speed_kmh as number | null, cadence_rpm: r.cadence_rpm as number | null, stroke_rate_spm: r.stroke_rate_spm as number | null }
    if (Object.values(fields).every((v) => v === null)) continue // an empty minute of GROUP BY time
    // Readings in the minute, from whichever of power and speed the machine reports most of.
    Object.assign(fields, { n: Math.max((r.n_power as number) ?? 0, (r.n_speed as number) ?? 0) })
    body += pointLine('equipment_1m', { device: str(r.device), gym: str(r.gym), machine: str(r.machine), member: str(r.member) }, fields, r.time as number)
  }
  if (body) await influx.write(body)
  return hr.length + eq.length
}

/** A member's stored HR readings in [fromMs, toMs). */
export async function hrReadings(influx: InfluxClient, member: string, fromMs: number, toMs: number): Promise<HrReading[]> {
  const rows = rowsOf(await influx.query(`SELECT bpm FROM hr WHERE "member" = $member AND ${timeRange(fromMs, toMs)}`, { member }))
  return rows.map((r) => ({ t: r.time as number, hr: r.bpm as number }))
}

/** Summaries of every member who trained during an ended session. Returns how many were written. */
export async function summarizeEndedSession(influx: InfluxClient, session: ClassSession, physiologyOf: (member: string) => Promise<Physiology>, pointsPerMin: readonly number[]): Promise<number> {
  if (session.endedMs === null) return 0
  const results = await influx.query(`SELECT bpm FROM hr WHERE "gym" = $gym AND ${timeRange(session.startedMs, session.endedMs)} GROUP BY member`, { gym: session.gymId })
  const byMember = new Map<string, HrReading[]>()
  for (const s of results[0]?.series ?? []) {
    const member = s.tags?.member
    if (!member) continue
    const list = byMember.get(member) ?? []
    for (const row of s.values) list.push({ t: row[0] as number, hr: row[1] as number })
    byMember.set(member, list)
  }
  let body = ''
  for (const [member, readings] of byMember) {
    const p = await physiologyOf(member)
    const summary = summarizeSession(readings, { ...p }, { zoneEdges: p.edges, effortPointsPerMin: pointsPerMin })
    if (!summary) continue
    const zones = Object.fromEntries(summary.secondsInZone.map((s, z) => [`z${z}_s`, s]))
    body += pointLine(
      'session_summary',
      { gym: session.gymId, member, session: session.id },
      {
        start_ms: summary.startMs,
        end_ms: summary.endMs,
        avg_hr: summary.avgHr,
        max_hr: summary.maxHr,
        kcal: summary.kcal,
        banister_trimp: summary.banisterTrimp,
        edwards_trimp: summary.edwardsTrimp,
        points: summary.effortPoints,
        peak_1min_hr: summary.peak1MinHr ?? undefined,
        hrr_1min: summary.hrRecovery1Min ?? undefined,
        ...zones,
      },
      session.startedMs,
    )
  }
  if (body) await influx.write(body)
  return byMember.size
}

/** Midnight of a local date in a zone, as ms since the epoch (the timestamp of that day's rollup points). */
export function localMidnightMs(date: string, timeZone: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`)
  // Walk back from UTC midnight by the zone's offset; two passes settle DST edges.
  let t = guess
  for (let i = 0; i < 2; i++) {
    const { date: d, hour } = localHour(t, timeZone)
    const dayShift = Date.parse(`${d}T00:00:00Z`) - guess
    t -= dayShift + hour * 3_600_000
  }
  return t
}

/** Daily steps, sleep and baselines for the members with data in the last `days` local days. */
export async function rollupDays(influx: InfluxClient, nowMs: number, days: number, physiologyOf: (member: string) => Promise<Physiology>): Promise<number> {
  const fromMs = nowMs - (days + 1) * 86_400_000
  let body = ''
  let written = 0
  const steps = await influx.query(`SELECT "count", total, interval_s FROM steps WHERE ${timeRange(fromMs, nowMs)} GROUP BY member`)
  for (const s of steps[0]?.series ?? []) {
    const member = s.tags?.member
    if (!member) continue
    const { timezone } = await physiologyOf(member)
    const samples: StepsSample[] = s.values.map((row) => {
      const x: StepsSample = { kind: 'steps', t: row[0] as number }
      if (row[1] !== null) x.count = row[1] as number
      if (row[2] !== null) x.total = row[2] as number
      if (row[3] !== null) x.interval_s = row[3] as number
      return x
    })
    for (const d of summarizeSteps(samples, timezone)) {
      const midnight = localMidnightMs(d.date, timezone)
      body += pointLine('steps_daily', { member }, { steps: d.steps, active_min: d.activeMinutes, mean_active_cadence: d.meanActiveCadence ?? undefined, peak_minute_cadence: d.peakMinuteCadence }, midnight)
      d.hourly.forEach((n, hour) => {
        if (n > 0) body += pointLine('steps_hourly', { member }, { steps: n }, midnight + hour * 3_600_000)
      })
      written++
    }
  }
  const sleep = await influx.query(`SELECT dur_s, stage FROM sleep WHERE ${timeRange(fromMs - 86_400_000, nowMs)} GROUP BY member`)
  for (const s of sleep[0]?.series ?? []) {
    const member = s.tags?.member
    if (!member) continue
    const { timezone } = await physiologyOf(member)
    const epochs = s.values.map((row) => ({ t: row[0] as number, dur_s: row[1] as number, stage: row[2] as SleepStage }))
    for (const n of summarizeSleep(epochs, timezone)) {
      const stages = Object.fromEntries(Object.entries(n.stageMin).map(([k, v]) => [SLEEP_STAGE_FIELD[k as SleepStage], v]))
      body += pointLine('sleep_daily', { member }, { in_bed_min: n.inBedMin, total_sleep_min: n.totalSleepMin, efficiency_pct: n.efficiencyPct, latency_min: n.latencyMin, waso_min: n.wasoMin, ...stages }, localMidnightMs(n.night, timezone))
      written++
    }
  }
  if (body) await influx.write(body)
  return written + (await rollupBaselines(influx, nowMs, days, physiologyOf))
}

/**
 * Resting HR of a local day: the lowest 5-minute mean of the 1-minute rollups (needs 5 consecutive minutes).
 * Nightly RMSSD: from the night's RR intervals, when a strap or watch sent them during sleep.
 */
async function rollupBaselines(influx: InfluxClient, nowMs: number, days: number, physiologyOf: (member: string) => Promise<Physiology>): Promise<number> {
  const fromMs = nowMs - (days + 1) * 86_400_000
  const minutes = await influx.query(`SELECT mean FROM hr_1m WHERE ${timeRange(fromMs, nowMs)} GROUP BY member`)
  let body = ''
  let written = 0
  const members: string[] = []
  for (const s of minutes[0]?.series ?? []) {
    const member = s.tags?.member
    if (!member) continue
    members.push(member)
    const { timezone } = await physiologyOf(member)
    const byDay = new Map<string, { t: number; v: number }[]>()
    for (const row of s.values) {
      const t = row[0] as number
      const day = localHour(t, timezone).date
      const list = byDay.get(day) ?? []
      list.push({ t, v: row[1] as number })
      byDay.set(day, list)
    }
    for (const [day, list] of byDay) {
      let lowest = Infinity
      for (let i = 4; i < list.length; i++) if (list[i]!.t - list[i - 4]!.t === 4 * MINUTE) lowest = Math.min(lowest, (list[i]!.v + list[i - 1]!.v + list[i - 2]!.v + list[i - 3]!.v + list[i - 4]!.v) / 5)
      const fields: Record<string, number | undefined> = { resting_hr: Number.isFinite(lowest) ? lowest : undefined }
      const sleepRows = rowsOf(await influx.query(`SELECT dur_s FROM sleep WHERE "member" = $member AND ${timeRange(localMidnightMs(day, timezone) - 12 * 3_600_000, localMidnightMs(day, timezone) + 12 * 3_600_000)}`, { member }))
      if (sleepRows.length > 0 && nightOf(sleepRows[0]!.time as number, timezone) === day) {
        const from = sleepRows[0]!.time as number
        const last = sleepRows.at(-1)!
        const rr = rowsOf(await influx.query(`SELECT rr_ms FROM rr WHERE "member" = $member AND ${timeRange(from, (last.time as number) + (last.dur_s as number) * 1000)}`, { member }))
        fields.rmssd_ms = hrvOf(rr.map((r) => r.rr_ms as number), 120)?.rmssdMs
      }
      if (fields.resting_hr === undefined && fields.rmssd_ms === undefined) continue
      body += pointLine('daily_baseline', { member }, fields, localMidnightMs(day, timezone))
      written++
    }
  }
  if (body) await influx.write(body)
  // Findings against each member's own last 28 days, for the days just recomputed.
  body = ''
  for (const member of members) {
    const { timezone } = await physiologyOf(member)
    const rows = rowsOf(await influx.query(`SELECT resting_hr, rmssd_ms FROM daily_baseline WHERE "member" = $member AND ${timeRange(nowMs - 40 * 86_400_000, nowMs)}`, { member }))
    const daily: DailyValue[] = rows.map((r) => {
      const d: DailyValue = { date: localHour(r.time as number, timezone).date }
      if (typeof r.resting_hr === 'number') d.restingHr = r.resting_hr
      if (typeof r.rmssd_ms === 'number') d.rmssdMs = r.rmssd_ms
      return d
    })
    for (const f of baselineFindings(daily)) {
      const t = localMidnightMs(f.date, timezone)
      if (t < fromMs) continue
      body += pointLine('anomaly', { member, type: f.type, severity: 'info' }, { start_ms: t, detected_ms: nowMs, ev_value: f.value, ev_baseline_mean: f.baselineMean, ev_z: f.z }, t)
    }
  }
  if (body) await influx.write(body)
  return written
}
