/**
 * The series declaration (series.ts) is the one place a series' tags and field types are written; these
 * tests hold every line builder to it. `sampleToLines` (ingest's hand-built hot path) is checked on any
 * valid sample of any kind; `pointLine` (every derived writer) refuses what the declaration does not say.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { SERIES, fieldTypeOf, pointLine, sampleReasons, sampleToLines, seriesTags, type FieldType, type SeriesName } from '../src/index.js'
import { arbitrarySample } from './arbitrary-sample.js'
import { parseLine } from './parse-line.js'

/** The type InfluxDB infers for a field value as written (line protocol reference, "Data types"). */
function writtenType(value: string): FieldType {
  if (/^-?\d+i$/.test(value)) return 'integer'
  if (/^".*"$/.test(value)) return 'string'
  if (value === 'true' || value === 'false') return 'boolean'
  expect(Number.isFinite(Number(value)), value).toBe(true)
  return 'float'
}

const NOW = 8_000_000_000_000_000

describe('series declaration', () => {
  it('every line sampleToLines writes, for any valid sample, is a declared series with declared tags and typed fields', () => {
    fc.assert(
      fc.property(arbitrarySample, fc.string({ minLength: 1, maxLength: 8 }), fc.option(fc.constantFrom('ann', 'b,o b')), fc.option(fc.constantFrom('fit', 'apple_health')), (sample, device, member, source) => {
        fc.pre(!/[\n\r\\]/.test(device) && sampleReasons(sample, '', { now: NOW, maxFutureMs: 0, maxSamples: 1 }).length === 0)
        const lines = sampleToLines(sample, seriesTags(device, 'gym-1', member ?? undefined, source ?? undefined)).split('\n').filter(Boolean)
        expect(lines.length).toBeGreaterThan(0)
        for (const line of lines) {
          const { measurement, tags, fields } = parseLine(line)
          expect(Object.keys(SERIES)).toContain(measurement)
          const series = SERIES[measurement as SeriesName]
          expect(tags.device).toBe(device)
          expect(tags.source).toBe(source ?? undefined)
          expect(Object.keys(tags)).toEqual(Object.keys(tags).sort()) // key order, InfluxDB's fast path
          for (const tag of Object.keys(tags)) expect(series.tags as readonly string[], `${measurement} tag ${tag}`).toContain(tag)
          for (const [field, value] of Object.entries(fields)) expect(`${measurement}.${field}: ${writtenType(value)}`).toBe(`${measurement}.${field}: ${fieldTypeOf(measurement as SeriesName, field)}`)
        }
      }),
      { numRuns: 2000 },
    )
  })

  it('pointLine writes each field as declared: an integer field rounds a float, a float field keeps an integer-valued number a float', () => {
    expect(pointLine('hr_1m', { member: 'ann' }, { mean: 120, n: 59.6 }, 1000)).toBe('hr_1m,member=ann mean=120,n=60i 1000\n')
    expect(parseLine(pointLine('anomaly', { type: 'dropout' }, { start_ms: 1.5, ev_silentS: 6 }, 1)).fields).toEqual({ start_ms: '2i', ev_silentS: '6' })
  })

  it('pointLine refuses a tag, a field or a type the declaration does not give, naming it', () => {
    expect(() => pointLine('steps_daily', { gym: 'g', member: 'ann' }, { steps: 10 }, 1)).toThrow(/tag gym is not declared for steps_daily/)
    expect(() => pointLine('effort', { member: 'ann' }, { zone: 2, hr_avg: 120 }, 1)).toThrow(/field hr_avg is not declared for effort/)
    expect(() => pointLine('effort', { member: 'ann' }, { zone: 'three' }, 1)).toThrow(/effort.zone is declared integer, given a string/)
    expect(() => pointLine('device_status', { member: 'ann' }, { link: 3 }, 1)).toThrow(/declared string, given a number/)
    expect(() => pointLine('anomaly', { member: 'ann' }, { ev_: 3 }, 1)).toThrow(/field ev_ is not declared/)
    expect(pointLine('pipeline', { service: 'ingest', metric: 'm', reason: 'x' }, { value: 1 }, 1)).toBe('pipeline,metric=m,reason=x,service=ingest value=1 1\n')
  })

  it('time in bed and minutes in the in-bed stage are two fields (a spread of the stages once overwrote time in bed)', () => {
    const stageFields = Object.keys(SERIES.sleep_daily.fields).filter((f) => f.endsWith('_min'))
    expect(new Set(stageFields).size).toBe(stageFields.length)
    expect(stageFields).toContain('in_bed_min')
    expect(stageFields).toContain('in_bed_stage_min')
  })
})
