/**
 * The integer fields of every InfluxDB series, declared once. InfluxDB fixes a field's type per shard: a
 * field written as an integer by one writer and as a float by another makes whichever comes second fail
 * with "field type conflict" (the review found `anomaly.detected_ms` written both ways, by the live path
 * and by the rollups). Every writer of derived points builds its lines with `pointLine`, which reads this
 * table; the raw samples' writer (`sampleToLines`) and reattribution follow the same declaration.
 * Fields not listed are floats, booleans or strings, as their JavaScript type says.
 */
import { EQUIPMENT_METRICS, type EquipmentMetric } from './samples.js'

const EQUIPMENT_INTEGERS = (Object.keys(EQUIPMENT_METRICS) as EquipmentMetric[]).filter((k) => EQUIPMENT_METRICS[k].type === 'integer')

export const INTEGER_FIELDS = {
  // raw samples (ingest)
  hr: ['bpm', 'energy_kj'],
  rr: ['rr_ms'],
  steps: ['total', 'count', 'interval_s'],
  sleep: ['dur_s'],
  equipment: EQUIPMENT_INTEGERS,
  device_status: ['battery_pct', 'rssi_dbm'],
  // derived (analytics)
  effort: ['hr', 'zone', 'pct_max', 'hr_max'],
  anomaly: ['start_ms', 'detected_ms'],
  session_summary: ['start_ms', 'end_ms'],
  hr_1m: ['n'],
  equipment_1m: ['n'],
  steps_daily: ['steps', 'active_min'],
  steps_hourly: ['steps'],
  sleep_daily: [],
  daily_baseline: [],
  // the services' own metrics
  pipeline: [],
} as const satisfies Record<string, readonly string[]>

export type SeriesName = keyof typeof INTEGER_FIELDS

const SETS = Object.fromEntries(Object.entries(INTEGER_FIELDS).map(([m, fields]) => [m, new Set<string>(fields)])) as unknown as Record<SeriesName, ReadonlySet<string>>

/** The integer fields of a measurement; empty for one that has none. */
export function integerFieldsOf(measurement: SeriesName): ReadonlySet<string> {
  return SETS[measurement]
}
