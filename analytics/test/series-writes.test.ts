/**
 * The series declaration against a real InfluxDB: every declared integer field lands as an integer whoever
 * writes it (the live path and the rollups both write `anomaly`, and used to disagree on `detected_ms`,
 * which made InfluxDB refuse whichever came second in a shard); and a line InfluxDB refuses no longer
 * blocks the derived lines queued behind it.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { INTEGER_FIELDS, pointLine, type SeriesName } from '@pulseline/protocol'
import { LineQueue } from '../src/service/line-queue.js'
import { freshDatabase } from '../../test/setup/influx.js'

describe('derived series in InfluxDB', () => {
  let influx: InfluxClient
  afterAll(async () => influx?.close())

  it('stores every declared integer field as an integer, from float inputs too, without conflicts between writers', async () => {
    influx = await freshDatabase('series')
    const t = Date.now() - 60_000
    let body = ''
    for (const [m, ints] of Object.entries(INTEGER_FIELDS) as Array<[SeriesName, readonly string[]]>) {
      if (ints.length === 0) continue
      // A computed value is often a float (a mean, a time in ms from arithmetic): the declaration decides.
      body += pointLine(m, { gym: 'g', member: 'ann' }, Object.fromEntries(ints.map((f) => [f, 12.4])), t)
    }
    // Both anomaly writers, as they build their points (live: with a device; rollups: a baseline finding).
    body += pointLine('anomaly', { gym: 'g', member: 'ann', device: 'd', type: 'dropout', severity: 'alert' }, { start_ms: t, detected_ms: t + 5_000.5, ev_silentS: 6 }, t + 1)
    body += pointLine('anomaly', { member: 'ann', type: 'elevated_resting_hr', severity: 'info' }, { start_ms: t, detected_ms: Date.now() + 0.25, ev_value: 61.5 }, t + 2)
    await influx.write(body)
    for (const [m, ints] of Object.entries(INTEGER_FIELDS)) {
      if (ints.length === 0) continue
      const types = Object.fromEntries(rowsOf(await influx.query(`SHOW FIELD KEYS FROM "${m}"`)).map((r) => [r.fieldKey, r.fieldType]))
      for (const f of ints) expect(`${m}.${f}: ${types[f]}`).toBe(`${m}.${f}: integer`)
    }
    expect(rowsOf(await influx.query(`SELECT count(detected_ms) FROM anomaly`))[0]!.count).toBe(3)
  })

  it("drops and counts a batch InfluxDB refuses, and writes what was queued behind it", async () => {
    const queue = new LineQueue(influx, 1000, 2)
    const t = Date.now() - 30_000
    // `zone` is an integer in this shard already; a string there is a type conflict InfluxDB refuses (400).
    queue.push(`effort,gym=g,member=bob zone="three" ${t}\n`)
    queue.push(pointLine('effort', { gym: 'g', member: 'bob' }, { zone: 3 }, t + 1000))
    for (let i = 2; i < 6; i++) queue.push(pointLine('effort', { gym: 'g', member: 'bob' }, { zone: i % 5 }, t + i * 1000))
    await queue.flush()
    expect(queue.length).toBe(0)
    expect(queue.refused).toBe(1)
    expect(rowsOf(await influx.query(`SELECT zone FROM effort WHERE "member" = 'bob'`)).map((r) => r.zone)).toEqual([3, 2, 3, 4, 0])
  })
})
