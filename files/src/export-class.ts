/**
 * A member's class as an activity, read back from the series the class wrote: heart rate, and the machine's
 * power, cadence, speed and distance where there was one, one record per second.
 */
import { rowsOf, timeRange, type InfluxClient } from '@pulseline/influx'
import { PulselineError } from '@pulseline/protocol'
import type { ClassSession } from '@pulseline/registry'
import type { Activity, ActivityRecord } from './fit/encode-fit.js'

/** The FIT sport of a Pulseline machine. */
const SPORT_OF_MACHINE: Record<string, string> = { bike: 'cycling', treadmill: 'running', footpod: 'running', rower: 'rowing', cross_trainer: 'fitnessEquipment' }

export type HistoryReader = Pick<InfluxClient, 'query'>

export async function classActivity(influx: HistoryReader, session: ClassSession, member: string, nowMs = Date.now()): Promise<Activity> {
  const endMs = session.endedMs ?? nowMs
  const range = timeRange(session.startedMs, endMs)
  const params = { member }
  const [hrRows, eqRows] = await Promise.all([
    influx.query(`SELECT bpm FROM hr WHERE "member" = $member AND ${range}`, params).then(rowsOf),
    influx.query(`SELECT power_w, cadence_rpm, speed_kmh, distance_m, machine FROM equipment WHERE "member" = $member AND ${range}`, params).then(rowsOf),
  ])
  if (hrRows.length === 0 && eqRows.length === 0) throw new PulselineError('PL_EXPORT_EMPTY', `member ${member} has no samples in class ${session.id}`)
  const bySecond = new Map<number, ActivityRecord>()
  const at = (ms: number) => {
    const t = Math.floor(ms / 1000) * 1000
    let r = bySecond.get(t)
    if (!r) bySecond.set(t, (r = { t }))
    return r
  }
  for (const row of hrRows) at(row.time as number).hr = row.bpm as number
  const machines = new Map<string, number>()
  for (const row of eqRows) {
    const r = at(row.time as number)
    if (typeof row.power_w === 'number') r.power = row.power_w
    if (typeof row.cadence_rpm === 'number') r.cadence = row.cadence_rpm
    if (typeof row.speed_kmh === 'number') r.speedKmh = row.speed_kmh
    if (typeof row.distance_m === 'number') r.distanceM = row.distance_m
    if (typeof row.machine === 'string') machines.set(row.machine, (machines.get(row.machine) ?? 0) + 1)
  }
  const machine = [...machines].sort((a, b) => b[1] - a[1])[0]?.[0]
  return { sport: (machine && SPORT_OF_MACHINE[machine]) || 'training', startMs: session.startedMs, endMs, records: [...bySecond.values()].sort((a, b) => a.t - b.t) }
}
