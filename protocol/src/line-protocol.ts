/**
 * Mapping from samples to InfluxDB line protocol (the v1 write API's format; see
 * https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/).
 *
 * Escaping follows the reference's "special characters" table. Line protocol has no escape for a
 * newline, and in 1.x a backslash before an escaped character is ambiguous, so values with a newline,
 * a carriage return or a trailing backslash are refused rather than written: refusing is the only way
 * to be sure that an id such as "a\n" cannot start a line of its own.
 *
 * Series layout (one measurement per sample kind; tags in key order so influxd need not sort them):
 *
 *   hr             device, gym [, member]            bpm (int), contact (bool), energy_kj (int)
 *   rr             device, gym [, member]            rr_ms (int): one point per beat, at the beat's time
 *   steps          device, gym [, member]            total, count, interval_s (int)
 *   sleep          device, gym [, member], stage     dur_s (int)
 *   equipment      device, gym, machine [, member]   one field per metric (int or float as in samples.ts)
 *   device_status  device, gym [, member]            battery_pct, rssi_dbm (int), contact (bool), link (string)
 *
 * Timestamps are in milliseconds (write with `precision=ms`).
 */
import { integerFieldsOf, type SeriesName } from './series.js'
import { PulselineError } from './errors.js'
import { EQUIPMENT_METRICS, type EquipmentMetric, type Sample } from './samples.js'

export const MEASUREMENTS = ['hr', 'rr', 'steps', 'sleep', 'equipment', 'device_status'] as const
export type Measurement = (typeof MEASUREMENTS)[number]

const UNREPRESENTABLE = /[\n\r]|\\$/

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
}

export function seriesTags(device: string, gym: string, member?: string): SeriesTags {
  return member === undefined
    ? { device: escapeTag(device), gym: escapeTag(gym) }
    : { device: escapeTag(device), gym: escapeTag(gym), member: escapeTag(member) }
}

const INTEGER_METRICS = new Set(
  (Object.keys(EQUIPMENT_METRICS) as EquipmentMetric[]).filter((k) => EQUIPMENT_METRICS[k].type === 'integer'),
)

/**
 * Line-protocol lines for one validated sample, each ending in "\n". The sample must have passed
 * `validatePayload`: ranges and types are not checked again here.
 */
export function sampleToLines(sample: Sample, tags: SeriesTags): string {
  const member = tags.member === undefined ? '' : `,member=${tags.member}`
  const base = `device=${tags.device},gym=${tags.gym}`
  switch (sample.kind) {
    case 'hr': {
      let fields = `bpm=${sample.bpm}i`
      if (sample.contact !== undefined) fields += `,contact=${sample.contact}`
      if (sample.energy_kj !== undefined) fields += `,energy_kj=${sample.energy_kj}i`
      let out = `hr,${base}${member} ${fields} ${sample.t}\n`
      const rr = sample.rr_ms
      if (rr !== undefined && rr.length > 0) {
        // Each interval ends at its beat; the newest beat is taken to be at the sample's time.
        let beatTime = sample.t
        let lines = ''
        for (let i = rr.length - 1; i >= 0; i--) {
          lines = `rr,${base}${member} rr_ms=${rr[i]}i ${beatTime}\n` + lines
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
      return `steps,${base}${member} ${fields.join(',')} ${sample.t}\n`
    }
    case 'sleep':
      return `sleep,${base}${member},stage=${sample.stage} dur_s=${sample.dur_s}i ${sample.t}\n`
    case 'equipment': {
      const fields: string[] = []
      for (const key in sample) {
        if (key === 'kind' || key === 't' || key === 'machine') continue
        const value = sample[key as EquipmentMetric]
        if (value === undefined) continue
        fields.push(INTEGER_METRICS.has(key as EquipmentMetric) ? `${key}=${value}i` : `${key}=${value}`)
      }
      return `equipment,${base},machine=${sample.machine}${member} ${fields.join(',')} ${sample.t}\n`
    }
    case 'status': {
      const fields: string[] = []
      if (sample.battery_pct !== undefined) fields.push(`battery_pct=${sample.battery_pct}i`)
      if (sample.rssi_dbm !== undefined) fields.push(`rssi_dbm=${sample.rssi_dbm}i`)
      if (sample.contact !== undefined) fields.push(`contact=${sample.contact}`)
      if (sample.link !== undefined) fields.push(`link=${quoteString(sample.link)}`)
      return `device_status,${base}${member} ${fields.join(',')} ${sample.t}\n`
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
 * One line for a derived point: tags sorted by key (InfluxDB's fastest path), absent (undefined or null)
 * tags and fields left out, integers written with the `i` suffix where the series declaration
 * (series.ts) says the field is one. Not for the hot ingest path, which builds lines from pre-escaped tags
 * (`sampleToLines`).
 */
export function pointLine(
  measurement: SeriesName,
  tags: Record<string, string | undefined>,
  fields: Record<string, number | string | boolean | null | undefined>,
  tMs: number,
): string {
  const integers = integerFieldsOf(measurement)
  let line = escapeMeasurement(measurement)
  for (const key of Object.keys(tags).sort()) {
    const v = tags[key]
    if (v !== undefined && v !== '') line += `,${escapeTag(key)}=${escapeTag(v)}`
  }
  const parts: string[] = []
  for (const [key, v] of Object.entries(fields)) {
    if (v === undefined || v === null || (typeof v === 'number' && !Number.isFinite(v))) continue
    const value = typeof v === 'string' ? quoteString(v) : typeof v === 'boolean' ? String(v) : integers.has(key) ? `${Math.round(v)}i` : String(v)
    parts.push(`${escapeTag(key)}=${value}`)
  }
  if (parts.length === 0) throw new PulselineError('PL_LINE_PROTOCOL', `point of ${measurement} without fields`)
  return `${line} ${parts.join(',')} ${Math.round(tMs)}\n`
}
