/**
 * The series declaration (protocol/src/series.ts) against a real InfluxDB: a point of every declared series
 * with every declared field, written as the writers write them (raw samples through `sampleToLines`, derived
 * points through `pointLine`), lands with exactly the declared types; both anomaly writers share the shard
 * without a conflict (they used to disagree on `detected_ms`, so InfluxDB refused whichever came second);
 * and a line InfluxDB refuses no longer blocks the derived lines queued behind it.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { EQUIPMENT_METRICS, MEASUREMENT_OF_KIND, SERIES, pointLine, sampleToLines, seriesTags, type FieldType, type Sample, type SeriesDeclaration, type SeriesName } from '@pulseline/protocol'
import { LineQueue } from '../src/service/line-queue.js'
import { freshDatabase } from '../../test/setup/influx.js'

/** A value of each type as a writer hands it over: computed numbers are often fractional, or whole in a float field. */
const GIVEN: Record<FieldType, number | string | boolean> = { integer: 12.4, float: 12, boolean: true, string: 'connected' }

/** One sample of each kind with every field set, so that every raw field reaches InfluxDB. */
function fullSamples(t: number): Sample[] {
  const equipment = Object.fromEntries(Object.entries(EQUIPMENT_METRICS).map(([k, s]) => [k, s.type === 'integer' ? 3 : 3.5]))
  return [
    { kind: 'hr', t, bpm: 120, contact: true, energy_kj: 5, rr_ms: [500] },
    { kind: 'steps', t, total: 100, count: 10, interval_s: 10 },
    { kind: 'sleep', t, stage: 'deep', dur_s: 30 },
    { kind: 'equipment', t, machine: 'bike', ...equipment } as Sample,
    { kind: 'status', t, battery_pct: 80, rssi_dbm: -60, contact: true, link: 'connected' },
  ]
}

describe('every series in InfluxDB', () => {
  let influx: InfluxClient
  afterAll(async () => influx?.close())

  it('stores every declared field of every series with its declared type, raw and derived, without conflicts between writers', async () => {
    influx = await freshDatabase('series')
    const t = Date.now() - 60_000
    let body = fullSamples(t).map((s) => sampleToLines(s, seriesTags('strap-1', 'g', 'ann'))).join('')
    const raw = new Set<string>([...Object.values(MEASUREMENT_OF_KIND), 'rr'])
    for (const [m, series] of Object.entries(SERIES) as Array<[SeriesName, SeriesDeclaration]>) {
      if (raw.has(m)) continue
      const tags = Object.fromEntries(series.tags.map((tag) => [tag, `${tag}-1`]))
      const fields = Object.fromEntries(Object.entries(series.fields).map(([f, type]) => [f, GIVEN[type]]))
      for (const [prefix, type] of Object.entries(series.fieldPrefixes ?? {})) fields[`${prefix}x`] = GIVEN[type]
      body += pointLine(m, tags, fields, t)
    }
    // Both anomaly writers, as they build their points (live: with a device; rollups: a baseline finding).
    body += pointLine('anomaly', { gym: 'g', member: 'ann', device: 'd', type: 'dropout', severity: 'alert' }, { start_ms: t, detected_ms: t + 5_000.5, ev_silentS: 6 }, t + 1)
    body += pointLine('anomaly', { member: 'ann', type: 'elevated_resting_hr', severity: 'info' }, { start_ms: t, detected_ms: Date.now() + 0.25, ev_value: 61.5 }, t + 2)
    await influx.write(body)

    for (const [m, series] of Object.entries(SERIES) as Array<[SeriesName, SeriesDeclaration]>) {
      const stored = Object.fromEntries(rowsOf(await influx.query(`SHOW FIELD KEYS FROM "${m}"`)).map((r) => [r.fieldKey, r.fieldType]))
      const declared: Record<string, string> = { ...series.fields }
      for (const [prefix, type] of Object.entries(series.fieldPrefixes ?? {})) for (const f of Object.keys(stored).filter((k) => k.startsWith(prefix))) declared[f] = type
      expect(stored, m).toEqual(declared)
      const tags = rowsOf(await influx.query(`SHOW TAG KEYS FROM "${m}"`)).map((r) => r.tagKey)
      for (const tag of tags) expect(series.tags as readonly string[], `${m} tag ${tag}`).toContain(tag)
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
