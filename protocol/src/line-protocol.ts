/**
 * Mapping from samples to InfluxDB line protocol (the v1 write API's format; see
 * https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/).
 *
 * Escaping follows the reference's "special characters" table. Line protocol has no escape for a
 * newline, and in 1.x a backslash in a tag or key cannot be escaped (InfluxDB's parser takes "\\" as an
 * escape pair, so the space after `a\ ` would end the series key), so names and tag values with a newline,
 * a carriage return or a backslash are refused rather than written: refusing is the only way to be sure
 * that an id such as "a\n" or "a\ b" cannot start a line or a field set of its own. (The property test
 * in series.test.ts found the backslash case; ids on the wire cannot carry one, ID_PATTERN.)
 *
 * The series, their tags and their fields' types are declared in series.ts; the property test in
 * protocol/test/series.test.ts holds `sampleToLines` to that declaration.
 *
 * Timestamps are in milliseconds (write with `precision=ms`).
 */
import { SERIES, declaresTag, fieldTypeOf, type FieldType, type SeriesName } from './series.js'
import { PulselineError } from './errors.js'
import type { EquipmentMetric, Sample } from './samples.js'

export const MEASUREMENTS = ['hr', 'rr', 'steps', 'sleep', 'equipment', 'device_status'] as const
export type Measurement = (typeof MEASUREMENTS)[number]

const UNREPRESENTABLE = /[\n\r\\]/

function refuseUnrepresentable(value: string, what: string): void {
  if (value.length === 0 || UNREPRESENTABLE.test(value)) {
    throw new PulselineError('PL_LINE_PROTOCOL', `${what} ${JSON.stringify(value)}`)
  }
}

/** Escapes a measurement name: commas and spaces. */
export function escapeMeasurement(name: string): string {
  refuseUnrepresentable(name, 'measurement')
  return name.replace(/[, ]/g, '\\$&')
}

/** Escapes a tag key, tag value or field key: commas, equals signs and spaces. */
export function escapeTag(value: string): string {
  refuseUnrepresentable(value, 'tag or key')
  return value.replace(/[,= ]/g, '\\$&')
}

/** Quotes a string field value: backslashes and double quotes are escaped. */
export function quoteString(value: string): string {
  if (/[\n\r]/.test(value)) throw new PulselineError('PL_LINE_PROTOCOL', `string field ${JSON.stringify(value)}`)
  return `"${value.replace(/["\\]/g, '\\$&')}"`
}

/** Tags of a series, already escaped: build once per device with `seriesTags`, reuse for every sample. */
export interface SeriesTags {
  readonly device: string
  readonly gym: string
  readonly member?: string
  /** Where imported samples came from (a file format); absent for live samples. */
  readonly source?: string
}

export function seriesTags(device: string, gym: string, member?: string, source?: string): SeriesTags {
  const tags: { device: string; gym: string; member?: string; source?: string } = { device: escapeTag(device), gym: escapeTag(gym) }
  if (member !== undefined) tags.member = escapeTag(member)
  if (source !== undefined) tags.source = escapeTag(source)
  return tags
}

const EQUIPMENT_FIELDS: Readonly<Record<string, FieldType>> = SERIES.equipment.fields

/** What each tags object's lines start with, built on first use rather than for every sample. */
interface Prefixes {
  /** `device=…,gym=…` */
  head: string
  /** `,member=…,source=…`, or less: the tags that sort after `machine` and before `stage`. */
  tail: string
  /** `{measurement},{head}{tail} ` for the measurements whose tags are exactly those. */
  hr: string
  rr: string
  steps: string
  device_status: string
}

const prefixCache = new WeakMap<SeriesTags, Prefixes>()

function prefixesOf(tags: SeriesTags): Prefixes {
  let p = prefixCache.get(tags)
  if (!p) {
    // member and source sort after device, gym and machine and before stage: tags stay in key order.
    const head = `device=${tags.device},gym=${tags.gym}`
    const tail = (tags.member === undefined ? '' : `,member=${tags.member}`) + (tags.source === undefined ? '' : `,source=${tags.source}`)
    const line = (m: string) => `${m},${head}${tail} `
    p = { head, tail, hr: line('hr'), rr: line('rr'), steps: line('steps'), device_status: line('device_status') }
    prefixCache.set(tags, p)
  }
  return p
}

/**
 * Line-protocol lines for one validated sample, each ending in "\n". The sample must have passed
 * `validatePayload`: ranges and types are not checked again here. This is ingest's hot path: the series
 * key of a tags object is built once (prefixesOf), and each line is one string built in one expression.
 */
export function sampleToLines(sample: Sample, tags: SeriesTags): string {
  const p = prefixesOf(tags)
  switch (sample.kind) {
    case 'hr': {
      let fields = `bpm=${sample.bpm}i`
      if (sample.contact !== undefined) fields += `,contact=${sample.contact}`
      if (sample.energy_kj !== undefined) fields += `,energy_kj=${sample.energy_kj}i`
      let out = `${p.hr}${fields} ${sample.t}\n`
      const rr = sample.rr_ms
      if (rr !== undefined && rr.length > 0) {
        // Each interval ends at its beat; the newest beat is taken to be at the sample's time.
        let beatTime = sample.t
        let lines = ''
        for (let i = rr.length - 1; i >= 0; i--) {
          lines = `${p.rr}rr_ms=${rr[i]}i ${beatTime}\n` + lines
          beatTime -= rr[i]!
        }
        out += lines
      }
      return out
    }
    case 'steps': {
      const fields: string[] = []
      if (sample.total !== undefined) fields.push(`total=${sample.total}i`)
      if (sample.count !== undefined) fields.push(`count=${sample.count}i`)
      if (sample.interval_s !== undefined) fields.push(`interval_s=${sample.interval_s}i`)
      return `${p.steps}${fields.join(',')} ${sample.t}\n`
    }
    case 'sleep':
      return `sleep,${p.head}${p.tail},stage=${sample.stage} dur_s=${sample.dur_s}i ${sample.t}\n`
    case 'equipment': {
      const fields: string[] = []
      for (const key in sample) {
        if (key === 'kind' || key === 't' || key === 'machine') continue
        const value = sample[key as EquipmentMetric]
        if (value === undefined) continue
        fields.push(EQUIPMENT_FIELDS[key] === 'integer' ? `${key}=${value}i` : `${key}=${value}`)
      }
      return `equipment,${p.head},machine=${sample.machine}${p.tail} ${fields.join(',')} ${sample.t}\n`
    }
    case 'status': {
      const fields: string[] = []
      if (sample.battery_pct !== undefined) fields.push(`battery_pct=${sample.battery_pct}i`)
      if (sample.rssi_dbm !== undefined) fields.push(`rssi_dbm=${sample.rssi_dbm}i`)
      if (sample.contact !== undefined) fields.push(`contact=${sample.contact}`)
      if (sample.link !== undefined) fields.push(`link=${quoteString(sample.link)}`)
      return `${p.device_status}${fields.join(',')} ${sample.t}\n`
    }
  }
}

/** Number of points `sampleToLines` writes for a sample: one, plus one per RR interval. */
export function pointsInSample(sample: Sample): number {
  return sample.kind === 'hr' && sample.rr_ms ? 1 + sample.rr_ms.length : 1
}

/** The measurement each sample kind is written to. */
export const MEASUREMENT_OF_KIND = {
  hr: 'hr',
  steps: 'steps',
  sleep: 'sleep',
  equipment: 'equipment',
  status: 'device_status',
} as const satisfies Record<Sample['kind'], Measurement>

/** Measurements analytics derives (see analytics/README.md for their fields). */
export const DERIVED_MEASUREMENTS = ['effort', 'anomaly', 'session_summary', 'hr_1m', 'equipment_1m', 'steps_daily', 'steps_hourly', 'sleep_daily', 'daily_baseline'] as const

/**
 * One line for a derived point, held to the series declaration (series.ts): a tag or field it does not
 * declare, or a value of another type, is refused (PL_LINE_PROTOCOL) rather than written, since InfluxDB
 * would keep the first type it saw in the shard and refuse the other writer's lines. Tags are sorted by key
 * (InfluxDB's fastest path); absent (undefined, null, empty or non-finite) tags and fields are left out;
 * a number in an integer field is rounded and written with the `i` suffix. Not for the hot ingest path,
 * which builds lines from pre-escaped tags (`sampleToLines`).
 */
export function pointLine(
  measurement: SeriesName,
  tags: Record<string, string | undefined>,
  fields: Record<string, number | string | boolean | null | undefined>,
  tMs: number,
): string {
  return keyedPointLine(seriesKey(measurement, tags), fields, tMs)
}

/** A series' key (measurement and tags, escaped, tags in key order), checked against its declaration. */
export interface SeriesKey {
  readonly measurement: SeriesName
  readonly text: string
}

/** The series key of `pointLine`, to build once for a series written again and again (a member's effort each second). */
export function seriesKey(measurement: SeriesName, tags: Record<string, string | undefined>): SeriesKey {
  let text = escapeMeasurement(measurement)
  for (const key of Object.keys(tags).sort()) {
    const v = tags[key]
    if (v === undefined || v === '') continue
    if (!declaresTag(measurement, key)) throw new PulselineError('PL_LINE_PROTOCOL', `tag ${key} is not declared for ${measurement}`)
    text += `,${escapeTag(key)}=${escapeTag(v)}`
  }
  return { measurement, text }
}

/** One line of a series whose key was built by `seriesKey`; fields are checked against the declaration as in `pointLine`. */
export function keyedPointLine(key: SeriesKey, fields: Record<string, number | string | boolean | null | undefined>, tMs: number): string {
  const { measurement } = key
  const parts: string[] = []
  for (const [field, v] of Object.entries(fields)) {
    if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) continue
    const type = fieldTypeOf(measurement, field)
    if (type === undefined) throw new PulselineError('PL_LINE_PROTOCOL', `field ${field} is not declared for ${measurement}`)
    parts.push(`${escapeTag(field)}=${fieldValue(type, v, measurement, field)}`)
  }
  if (parts.length === 0) throw new PulselineError('PL_LINE_PROTOCOL', `point of ${measurement} without fields`)
  return `${key.text} ${parts.join(',')} ${Math.round(tMs)}\n`
}

function fieldValue(type: FieldType, v: number | string | boolean, measurement: string, key: string): string {
  if (type === 'integer' && typeof v === 'number') return `${Math.round(v)}i`
  if (type === 'float' && typeof v === 'number') return String(v)
  if (type === 'boolean' && typeof v === 'boolean') return String(v)
  if (type === 'string' && typeof v === 'string') return quoteString(v)
  throw new PulselineError('PL_LINE_PROTOCOL', `field ${measurement}.${key} is declared ${type}, given a ${typeof v}`)
}
