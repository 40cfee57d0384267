/**
 * Sample kinds on the wire: one schema per kind, with units in the field names and valid ranges in the
 * schema. This file is the single source of truth for what a sample may contain; the validator, the
 * line-protocol mapping and the README's reference are all derived from it.
 *
 * Ranges are "physically possible for a person or a machine", not "typical": a value outside them is
 * a sensor or software fault, and storing it would corrupt a series.
 */
import { Type, type Static, type TOptional, type TSchema } from '@sinclair/typebox'

/** Earliest accepted sample time: 2000-01-01T00:00:00Z. Earlier means an unset device clock. */
export const MIN_TIMESTAMP_MS = 946_684_800_000

/** Milliseconds since the Unix epoch, set by the source (see ARCHITECTURE.md "Timestamps come from the source"). */
const Timestamp = Type.Integer({ minimum: MIN_TIMESTAMP_MS, maximum: 8_640_000_000_000_000, description: 'ms since epoch' })

const int = (minimum: number, maximum: number, description: string) => Type.Integer({ minimum, maximum, description })
const num = (minimum: number, maximum: number, description: string) => Type.Number({ minimum, maximum, description })

export const HeartRateSample = Type.Object(
  {
    kind: Type.Literal('hr'),
    t: Timestamp,
    /** Beats per minute. 20–250 spans bradycardic athletes at rest to the fastest recorded exercise HR. */
    bpm: int(20, 250, 'beats per minute'),
    /** RR intervals since the previous sample, oldest first, in ms (Heart Rate Measurement reports 1/1024 s; the gateway converts). */
    rr_ms: Type.Optional(Type.Array(int(200, 3000, 'ms between beats'), { maxItems: 32 })),
    /** Sensor contact as reported by the strap; absent when the sensor does not support contact detection. */
    contact: Type.Optional(Type.Boolean()),
    /** Energy expended since the sensor's last reset, kJ (0x2A37 field, uint16). */
    energy_kj: Type.Optional(int(0, 65535, 'kJ')),
  },
  { additionalProperties: false },
)

export const StepsSample = Type.Object(
  {
    kind: Type.Literal('steps'),
    t: Timestamp,
    /** Cumulative counter since the device's last reset. */
    total: Type.Optional(int(0, 100_000_000, 'steps since reset')),
    /** Steps in the interval that ends at `t`; requires interval_s. */
    count: Type.Optional(int(0, 100_000, 'steps in interval')),
    interval_s: Type.Optional(int(1, 86_400, 's')),
  },
  { additionalProperties: false },
)

/** Sleep stages; see sleep-stages.ts for the mapping to HealthKit and Health Connect. */
export const SLEEP_STAGES = ['in_bed', 'awake', 'asleep', 'light', 'deep', 'rem'] as const
export type SleepStage = (typeof SLEEP_STAGES)[number]

export const SleepSample = Type.Object(
  {
    kind: Type.Literal('sleep'),
    /** Start of the epoch. */
    t: Timestamp,
    stage: Type.Union(SLEEP_STAGES.map((s) => Type.Literal(s))),
    /** Length of the epoch in seconds (30 s epochs for scored sleep; longer for merged stages). */
    dur_s: int(1, 86_400, 's'),
  },
  { additionalProperties: false },
)

/** Machines, plus `footpod`: a running speed and cadence sensor (RSC) worn on a shoe. */
export const MACHINES = ['bike', 'treadmill', 'rower', 'cross_trainer', 'footpod'] as const
export type Machine = (typeof MACHINES)[number]

/**
 * Equipment metrics, named after the FTMS fields they come from (FTMS v1.0 §4.9–4.12). Every metric is
 * optional because each machine type reports a different subset.
 */
export const EQUIPMENT_METRICS = {
  speed_kmh: num(0, 100, 'km/h'),
  avg_speed_kmh: num(0, 100, 'km/h'),
  cadence_rpm: num(0, 300, 'rev/min (bike) or steps/min (cross trainer)'),
  avg_cadence_rpm: num(0, 300, 'rev/min'),
  stroke_rate_spm: num(0, 100, 'strokes/min'),
  avg_stroke_rate_spm: num(0, 100, 'strokes/min'),
  strokes: int(0, 10_000_000, 'stroke count'),
  steps: int(0, 10_000_000, 'step count (cross trainer)'),
  distance_m: int(0, 16_777_215, 'm (FTMS uint24)'),
  incline_pct: num(-100, 100, '%'),
  ramp_deg: num(-90, 90, 'degrees'),
  elevation_gain_m: num(0, 65_535, 'm'),
  resistance: num(-3276.8, 3276.7, 'unitless level (FTMS resolution 0.1)'),
  power_w: int(-4000, 4000, 'W'),
  avg_power_w: int(-4000, 4000, 'W'),
  pace_s_per_km: num(0, 65_535, 's/km (treadmill)'),
  pace_s_per_500m: num(0, 65_535, 's/500 m (rower)'),
  energy_kcal: int(0, 65_535, 'kcal total'),
  energy_kcal_h: int(0, 65_535, 'kcal/h'),
  energy_kcal_min: int(0, 255, 'kcal/min'),
  met: num(0, 25.5, 'metabolic equivalent'),
  elapsed_s: int(0, 65_535, 's'),
  remaining_s: int(0, 65_535, 's'),
} satisfies Record<string, TSchema>

export type EquipmentMetric = keyof typeof EQUIPMENT_METRICS

const optionalMetrics = Object.fromEntries(
  Object.entries(EQUIPMENT_METRICS).map(([k, s]) => [k, Type.Optional(s)]),
) as { [K in EquipmentMetric]: TOptional<(typeof EQUIPMENT_METRICS)[K]> }

export const EquipmentSample = Type.Object(
  {
    kind: Type.Literal('equipment'),
    t: Timestamp,
    machine: Type.Union(MACHINES.map((m) => Type.Literal(m))),
    ...optionalMetrics,
  },
  { additionalProperties: false },
)

export const LINK_STATES = ['connected', 'reconnecting', 'dropout', 'disconnected'] as const
export type LinkState = (typeof LINK_STATES)[number]

export const StatusSample = Type.Object(
  {
    kind: Type.Literal('status'),
    t: Timestamp,
    battery_pct: Type.Optional(int(0, 100, '%')),
    rssi_dbm: Type.Optional(int(-127, 20, 'dBm')),
    contact: Type.Optional(Type.Boolean()),
    /** Link state as seen by the gateway; `dropout` is reported instead of silence when a device vanishes. */
    link: Type.Optional(Type.Union(LINK_STATES.map((s) => Type.Literal(s)))),
  },
  { additionalProperties: false },
)

export const SAMPLE_SCHEMAS = {
  hr: HeartRateSample,
  steps: StepsSample,
  sleep: SleepSample,
  equipment: EquipmentSample,
  status: StatusSample,
} as const

export type SampleKind = keyof typeof SAMPLE_SCHEMAS
export const SAMPLE_KINDS = Object.keys(SAMPLE_SCHEMAS) as SampleKind[]

export type HeartRateSample = Static<typeof HeartRateSample>
export type StepsSample = Static<typeof StepsSample>
export type SleepSample = Static<typeof SleepSample>
export type EquipmentSample = Static<typeof EquipmentSample>
export type StatusSample = Static<typeof StatusSample>
export type Sample = HeartRateSample | StepsSample | SleepSample | EquipmentSample | StatusSample
