/**
 * Every InfluxDB series, declared once: its measurement, the tags it may carry and each field's type.
 *
 * InfluxDB fixes a field's type per shard: a field written as an integer by one writer and as a float by
 * another makes whichever comes second fail with "field type conflict" (the review found
 * `anomaly.detected_ms` written both ways, by the live path and by the rollups). So every writer of derived
 * points builds its lines with `pointLine`, which refuses a tag or field this table does not declare and
 * writes each field as declared; the raw samples' writer (`sampleToLines`, hand-built for ingest's hot path)
 * is held to the same table by a property test; the dashboard's and Grafana's queries are checked against it.
 *
 * Types are the ones already on disk in existing databases: changing one is a migration, not an edit.
 */
import { EQUIPMENT_METRICS, SLEEP_STAGES, type EquipmentMetric } from './samples.js'

export type FieldType = 'integer' | 'float' | 'boolean' | 'string'

export interface SeriesDeclaration {
  /** Every tag a point may carry; a point carries a subset (member only once a wearer is known). */
  readonly tags: readonly string[]
  /** Tags beyond `tags` allowed: only the services' own metrics, whose Prometheus labels become tags. */
  readonly openTags?: true
  readonly fields: Readonly<Record<string, FieldType>>
  /** Fields named at run time, by prefix: an anomaly's evidence (`ev_silentS`, `ev_z`, ...). */
  readonly fieldPrefixes?: Readonly<Record<string, FieldType>>
}

/** Fields from name → type pairs, refusing a name given twice (a spread would silently keep the last). */
function fields(...groups: ReadonlyArray<Readonly<Record<string, FieldType>>>): Readonly<Record<string, FieldType>> {
  const out: Record<string, FieldType> = {}
  for (const group of groups)
    for (const [name, type] of Object.entries(group)) {
      if (name in out) throw new Error(`series declaration: field ${name} declared twice`)
      out[name] = type
    }
  return out
}

const all = (names: readonly string[], type: FieldType): Record<string, FieldType> => Object.fromEntries(names.map((n) => [n, type]))

const EQUIPMENT_FIELDS = Object.fromEntries(
  (Object.keys(EQUIPMENT_METRICS) as EquipmentMetric[]).map((k) => [k, EQUIPMENT_METRICS[k].type === 'integer' ? 'integer' : 'float']),
) as Record<EquipmentMetric, FieldType>

/** Minutes in each sleep stage; `in_bed` the stage is `in_bed_stage_min`, apart from time in bed (`in_bed_min`). */
export const SLEEP_STAGE_FIELD = Object.fromEntries(SLEEP_STAGES.map((s) => [s, s === 'in_bed' ? 'in_bed_stage_min' : `${s}_min`])) as Record<(typeof SLEEP_STAGES)[number], string>

/** Seconds in each heart-rate zone of a class: z0_s (rest) to z5_s (maximum), as protocol/zones.ts numbers them. */
const ZONE_SECONDS = ['z0_s', 'z1_s', 'z2_s', 'z3_s', 'z4_s', 'z5_s']

const DEVICE_TAGS = ['device', 'gym', 'member'] as const
/** Raw series also carry `source` on imported samples: the file format they came from (files/). */
const RAW_TAGS = [...DEVICE_TAGS, 'source'] as const

export const SERIES = {
  // raw samples (ingest; sampleToLines)
  hr: { tags: RAW_TAGS, fields: fields({ bpm: 'integer', contact: 'boolean', energy_kj: 'integer' }) },
  rr: { tags: RAW_TAGS, fields: fields({ rr_ms: 'integer' }) },
  steps: { tags: RAW_TAGS, fields: fields(all(['total', 'count', 'interval_s'], 'integer')) },
  sleep: { tags: [...RAW_TAGS, 'stage'], fields: fields({ dur_s: 'integer' }) },
  equipment: { tags: ['device', 'gym', 'machine', 'member', 'source'], fields: fields(EQUIPMENT_FIELDS) },
  device_status: { tags: RAW_TAGS, fields: fields({ battery_pct: 'integer', rssi_dbm: 'integer', contact: 'boolean', link: 'string' }) },
  // derived (analytics: the live engine, the rollups and the class summaries)
  effort: {
    tags: ['gym', 'member', 'session'],
    fields: fields(all(['hr', 'zone', 'pct_max', 'hr_max'], 'integer'), all(['kcal', 'points', 'trimp', 'rmssd_ms'], 'float')),
  },
  anomaly: {
    tags: ['device', 'gym', 'member', 'severity', 'type'],
    fields: fields({ start_ms: 'integer', detected_ms: 'integer' }),
    fieldPrefixes: { ev_: 'float' },
  },
  session_summary: {
    tags: ['gym', 'member', 'session'],
    fields: fields(
      { start_ms: 'integer', end_ms: 'integer' },
      all(['avg_hr', 'max_hr', 'kcal', 'banister_trimp', 'edwards_trimp', 'points', 'peak_1min_hr', 'hrr_1min'], 'float'),
      all(ZONE_SECONDS, 'float'),
    ),
  },
  hr_1m: { tags: DEVICE_TAGS, fields: fields(all(['mean', 'min', 'max'], 'float'), { n: 'integer' }) },
  equipment_1m: {
    tags: ['device', 'gym', 'machine', 'member'],
    fields: fields(all(['power_w', 'power_w_max', 'speed_kmh', 'cadence_rpm', 'stroke_rate_spm'], 'float'), { n: 'integer' }),
  },
  steps_daily: { tags: ['member'], fields: fields({ steps: 'integer', active_min: 'integer' }, all(['mean_active_cadence', 'peak_minute_cadence'], 'float')) },
  steps_hourly: { tags: ['member'], fields: fields({ steps: 'integer' }) },
  sleep_daily: {
    tags: ['member'],
    fields: fields(all(['in_bed_min', 'total_sleep_min', 'efficiency_pct', 'latency_min', 'waso_min'], 'float'), all(Object.values(SLEEP_STAGE_FIELD), 'float')),
  },
  daily_baseline: { tags: ['member'], fields: fields(all(['resting_hr', 'rmssd_ms'], 'float')) },
  // the services' own metrics (influx/metric-lines.ts): one point per metric and label set
  pipeline: { tags: ['metric', 'service'], openTags: true, fields: fields({ value: 'float' }) },
} as const satisfies Record<string, SeriesDeclaration>

export type SeriesName = keyof typeof SERIES

/** The type a series declares for a field, or undefined when it declares none of that name. */
export function fieldTypeOf(measurement: SeriesName, field: string): FieldType | undefined {
  const series: SeriesDeclaration = SERIES[measurement]
  const declared = series.fields[field]
  if (declared !== undefined) return declared
  for (const [prefix, type] of Object.entries(series.fieldPrefixes ?? {})) if (field.startsWith(prefix) && field.length > prefix.length) return type
  return undefined
}

/** Whether a series may carry a tag of this name. */
export function declaresTag(measurement: SeriesName, tag: string): boolean {
  const series: SeriesDeclaration = SERIES[measurement]
  return series.openTags === true || series.tags.includes(tag)
}
