/**
 * Rollups on a real InfluxDB: raw points written as ingest writes them, then the minute and daily passes;
 * recomputing gives the same points (idempotent), and days are the member's local days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { sampleToLines, seriesTags } from '@pulseline/protocol'
import { freshDatabase } from '../../test/setup/influx.js'
import { localMidnightMs, rollupDays, rollupMinutes } from '../src/service/rollups.js'
import { resolvePhysiology } from '../src/live/physiology.js'

describe('rollups', () => {
  let influx: InfluxClient
  const tz = 'America/New_York'
  const physiologyOf = async () => ({ ...resolvePhysiology(undefined, Date.now(), 'tanaka'), timezone: tz })
  // Yesterday 23:50 to today 00:10 in New York, ending well in the past.
  const today = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
  const midnight = localMidnightMs(today, tz)

  beforeAll(async () => {
    influx = await freshDatabase('rollups')
    const tags = seriesTags('watch-1', 'gym-r', 'ann')
    let body = ''
    for (let t = midnight - 10 * 60_000 + 10_000; t <= midnight + 10 * 60_000; t += 10_000) body += sampleToLines({ kind: 'steps', t, count: 20, interval_s: 10 }, tags)
    for (let t = midnight - 120_000; t < midnight + 120_000; t += 1000) {
      body += sampleToLines({ kind: 'equipment', t, machine: 'bike', power_w: t < midnight ? 100 : 200, cadence_rpm: 80 }, seriesTags('bike-1', 'gym-r', 'ann'))
      body += sampleToLines({ kind: 'hr', t, bpm: 60 }, tags)
    }
    // Asleep 22:00–06:00 local the night before "today".
    body += sampleToLines({ kind: 'sleep', t: midnight - 2 * 3_600_000, stage: 'in_bed', dur_s: 600 }, tags)
    body += sampleToLines({ kind: 'sleep', t: midnight - 2 * 3_600_000 + 600_000, stage: 'light', dur_s: 8 * 3600 - 600 }, tags)
    await influx.write(body)
  })
  afterAll(async () => influx?.close())

  it('1-minute equipment and HR aggregates, idempotent when recomputed', async () => {
    await rollupMinutes(influx, midnight - 120_000, midnight + 120_000)
    await rollupMinutes(influx, midnight - 120_000, midnight + 120_000)
    const eq = rowsOf(await influx.query(`SELECT power_w, cadence_rpm, machine FROM equipment_1m`))
    expect(eq.map((r) => [r.time, r.power_w, r.cadence_rpm, r.machine])).toEqual([
      [midnight - 120_000, 100, 80, 'bike'],
      [midnight - 60_000, 100, 80, 'bike'],
      [midnight, 200, 80, 'bike'],
      [midnight + 60_000, 200, 80, 'bike'],
    ])
    const hr = rowsOf(await influx.query(`SELECT n, mean FROM hr_1m`))
    expect(hr.map((r) => r.n)).toEqual([60, 60, 60, 60])
  })

  it('daily steps and sleep in the member zone', async () => {
    await rollupDays(influx, midnight + 12 * 3_600_000, 2, physiologyOf)
    await rollupDays(influx, midnight + 12 * 3_600_000, 2, physiologyOf)
    const steps = rowsOf(await influx.query(`SELECT steps, active_min FROM steps_daily WHERE "member" = 'ann'`))
    // 23:50–24:00 on the evening before, 00:00–00:10 on the day: two local days of 1,200 steps
    expect(steps.map((r) => [r.steps, r.active_min])).toEqual([
      [1200, 10],
      [1200, 10],
    ])
    expect(steps[1]!.time).toBe(midnight)
    const [night] = rowsOf(await influx.query(`SELECT * FROM sleep_daily WHERE "member" = 'ann'`))
    expect(night!.time).toBe(midnight)
    expect(night!.total_sleep_min).toBe(470)
    expect(night!.latency_min).toBe(10)
    // In bed 22:00–06:00 (480 min), 10 of them in the in-bed stage: two fields (a spread of the stages once
    // wrote the stage's 10 over the 480).
    expect(night!.in_bed_min).toBe(480)
    expect(night!.in_bed_stage_min).toBe(10)
  })
})
