/**
 * The history queries. Member, gym and session ids arrive validated by the routes' schemas and are passed
 * as bound parameters; the only values written into the InfluxQL text are integers the server computed (the
 * time range and the interval), so no user input is ever concatenated into a query.
 */
import { rowsOf, type InfluxClient, timeRange } from '@pulseline/influx'
import { resolutionFor } from './resolution.js'

export interface Range {
  fromMs: number
  toMs: number
}

const within = ({ fromMs, toMs }: Range) => timeRange(fromMs, toMs)

export async function hrHistory(influx: InfluxClient, member: string, range: Range) {
  const { intervalS, source } = resolutionFor(range.fromMs, range.toMs)
  const q =
    source === 'raw'
      ? `SELECT mean("bpm") AS "hr", min("bpm") AS "min", max("bpm") AS "max" FROM "hr" WHERE "member" = $member AND ${within(range)} GROUP BY time(${intervalS}s) fill(none)`
      : `SELECT mean("mean") AS "hr", min("min") AS "min", max("max") AS "max" FROM "hr_1m" WHERE "member" = $member AND ${within(range)} GROUP BY time(${intervalS}s) fill(none)`
  const zones = rowsOf(await influx.query(`SELECT last("hr_max") AS "hr_max" FROM "effort" WHERE "member" = $member AND ${within(range)}`, { member }))
  return { intervalS, source, hrMax: (zones[0]?.hr_max as number | undefined) ?? null, points: rowsOf(await influx.query(q, { member })) }
}

export async function equipmentHistory(influx: InfluxClient, member: string, range: Range) {
  const { intervalS, source } = resolutionFor(range.fromMs, range.toMs)
  const from = source === 'raw' ? '"equipment"' : '"equipment_1m"'
  const q = `SELECT mean("power_w") AS "power_w", mean("speed_kmh") AS "speed_kmh", mean("cadence_rpm") AS "cadence_rpm", mean("stroke_rate_spm") AS "stroke_rate_spm" FROM ${from} WHERE "member" = $member AND ${within(range)} GROUP BY time(${intervalS}s), "machine" fill(none)`
  return { intervalS, source, points: rowsOf(await influx.query(q, { member })) }
}

export async function memberSessions(influx: InfluxClient, member: string, range: Range) {
  return rowsOf(await influx.query(`SELECT * FROM "session_summary" WHERE "member" = $member AND ${within(range)}`, { member }))
}

export async function sessionSummary(influx: InfluxClient, session: string) {
  return rowsOf(await influx.query(`SELECT * FROM "session_summary" WHERE "session" = $session`, { session }))
}

export async function dailyHistory(influx: InfluxClient, member: string, range: Range) {
  const [sleep, steps] = await Promise.all([
    influx.query(`SELECT * FROM "sleep_daily" WHERE "member" = $member AND ${within(range)}`, { member }),
    influx.query(`SELECT * FROM "steps_daily" WHERE "member" = $member AND ${within(range)}`, { member }),
  ])
  return { sleep: rowsOf(sleep), steps: rowsOf(steps) }
}
