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
import { LineBuffer } from './line-buffer.js'

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

/** What each tags object's lines start with, encoded on first use rather than for every sample. */
interface Prefixes {
  /** `{measurement},device=…,gym=…[,member=…][,source=…] ` for the measurements whose tags are exactly those. */
  hr: Buffer
  rr: Buffer
  steps: Buffer
  device_status: Buffer
  /** `sleep,device=…,gym=…[,member=…][,source=…],stage=` */
  sleep: Buffer
  /** `equipment,device=…,gym=…,machine=` and `[,member=…][,source=…] `, around the machine's name. */
  equipment: Buffer
  equipmentTail: Buffer
}

const prefixCache = new WeakMap<SeriesTags, Prefixes>()

function prefixesOf(tags: SeriesTags): Prefixes {
  let p = prefixCache.get(tags)
  if (!p) {
    // member and source sort after device, gym and machine and before stage: tags stay in key order.
    const head = `device=${tags.device},gym=${tags.gym}`
    const tail = (tags.member === undefined ? '' : `,member=${tags.member}`) + (tags.source === undefined ? '' : `,source=${tags.source}`)
    const line = (m: string) => Buffer.from(`${m},${head}${tail} `)
    p = {
      hr: line('hr'),
      rr: line('rr'),
      steps: line('steps'),
      device_status: line('device_status'),
      sleep: Buffer.from(`sleep,${head}${tail},stage=`),
      equipment: Buffer.from(`equipment,${head},machine=`),
      equipmentTail: Buffer.from(`${tail} `),
    }
    prefixCache.set(tags, p)
  }
  return p
}

const COMMA = 0x2c
const SPACE = 0x20
const NEWLINE = 0x0a
const INTEGER_SUFFIX = 0x69 // "i"
/** Field keys with their `=`, and the boolean values, encoded once: the writers below pass them, not look them up. */
const KEY = {
  bpm: Buffer.from('bpm='),
  contact: Buffer.from('contact='),
  energy_kj: Buffer.from('energy_kj='),
  rr_ms: Buffer.from('rr_ms='),
  total: Buffer.from('total='),
  count: Buffer.from('count='),
  interval_s: Buffer.from('interval_s='),
  dur_s: Buffer.from('dur_s='),
  battery_pct: Buffer.from('battery_pct='),
  rssi_dbm: Buffer.from('rssi_dbm='),
  link: Buffer.from('link='),
}
const TRUE = Buffer.from('true')
const FALSE = Buffer.from('false')
const EQUIPMENT_NAMES = Object.fromEntries(Object.keys(EQUIPMENT_FIELDS).map((k) => [k, Buffer.from(`${k}=`)])) as Record<string, Buffer>

/**
 * `name=value` (an integer, with line protocol's `i`), after a comma unless it is the line's first field.
 * Returns false: the next field is not the first.
 */
function intField(out: LineBuffer, first: boolean, key: Buffer, value: number): false {
  if (!first) out.char(COMMA)
  out.bytes(key)
  out.int(value)
  out.char(INTEGER_SUFFIX)
  return false
}

function boolField(out: LineBuffer, first: boolean, key: Buffer, value: boolean): false {
  if (!first) out.char(COMMA)
  out.bytes(key)
  out.bytes(value ? TRUE : FALSE)
  return false
}

function timestamp(out: LineBuffer, t: number): void {
  out.char(SPACE)
  out.int(t)
  out.char(NEWLINE)
}

/**
 * Writes the line-protocol lines of one validated sample into `out`, each ending in "\n". The sample must
 * have passed `validatePayload`: ranges and types are not checked again here. This is ingest's hot path:
 * the series key of a tags object is encoded once (prefixesOf), and numbers go into the bytes directly.
 */
export function writeSampleLines(sample: Sample, tags: SeriesTags, out: LineBuffer): void {
  const p = prefixesOf(tags)
  switch (sample.kind) {
    case 'hr': {
      out.bytes(p.hr)
      let first = intField(out, true, KEY.bpm, sample.bpm)
      if (sample.contact !== undefined) first = boolField(out, first, KEY.contact, sample.contact)
      if (sample.energy_kj !== undefined) intField(out, first, KEY.energy_kj, sample.energy_kj)
      timestamp(out, sample.t)
      const rr = sample.rr_ms
      if (rr === undefined) return
      // Each interval ends at its beat; the newest beat is taken to be at the sample's time, and the
      // lines go oldest first.
      let beatTime = sample.t
      for (let i = 1; i < rr.length; i++) beatTime -= rr[i]!
      for (let i = 0; i < rr.length; i++) {
        if (i > 0) beatTime += rr[i]!
        out.bytes(p.rr)
        intField(out, true, KEY.rr_ms, rr[i]!)
        timestamp(out, beatTime)
      }
      return
    }
    case 'steps': {
      out.bytes(p.steps)
      let first = true
      if (sample.total !== undefined) first = intField(out, first, KEY.total, sample.total)
      if (sample.count !== undefined) first = intField(out, first, KEY.count, sample.count)
      if (sample.interval_s !== undefined) intField(out, first, KEY.interval_s, sample.interval_s)
      return timestamp(out, sample.t)
    }
    case 'sleep':
      out.bytes(p.sleep)
      out.text(sample.stage)
      out.char(SPACE)
      intField(out, true, KEY.dur_s, sample.dur_s)
      return timestamp(out, sample.t)
    case 'equipment': {
      out.bytes(p.equipment)
      out.text(sample.machine)
      out.bytes(p.equipmentTail)
      let first = true
      for (const key in sample) {
        if (key === 'kind' || key === 't' || key === 'machine') continue
        const value = sample[key as EquipmentMetric]
        if (value === undefined) continue
        if (!first) out.char(COMMA)
        first = false
        out.bytes(EQUIPMENT_NAMES[key]!)
        if (EQUIPMENT_FIELDS[key] === 'integer') {
          out.int(value)
          out.char(INTEGER_SUFFIX)
        } else out.text(String(value))
      }
      return timestamp(out, sample.t)
    }
    case 'status': {
      out.bytes(p.device_status)
      let first = true
      if (sample.battery_pct !== undefined) first = intField(out, first, KEY.battery_pct, sample.battery_pct)
      if (sample.rssi_dbm !== undefined) first = intField(out, first, KEY.rssi_dbm, sample.rssi_dbm)
      if (sample.contact !== undefined) first = boolField(out, first, KEY.contact, sample.contact)
      if (sample.link !== undefined) {
        if (!first) out.char(COMMA)
        out.bytes(KEY.link)
        out.text(quoteString(sample.link))
      }
      return timestamp(out, sample.t)
    }
  }
}

const scratch = new LineBuffer()

/** The lines of `writeSampleLines` as a string, for writers off the hot path (imports, tests). */
export function sampleToLines(sample: Sample, tags: SeriesTags): string {
  scratch.reset()
  writeSampleLines(sample, tags, scratch)
  return scratch.toString()
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
