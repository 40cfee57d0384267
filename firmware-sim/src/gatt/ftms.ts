/**
 * FTMS machine data bytes (FTMS v1.0 §4.4 Treadmill, §4.5 Cross Trainer, §4.8 Rower, §4.9 Indoor Bike),
 * written field by field in spec order, independently of the gateway's decoder tables so that a round
 * trip checks one against the other. `layout: 'gss'` writes Resistance Level as uint8 × 10 and treadmill
 * pace as uint16 s/km (GATT Specification Supplement); `'ftms-1.0'` as sint16 and uint8 km/min.
 */
import { ByteWriter } from './byte-writer.js'

export type Layout = 'gss' | 'ftms-1.0'
export type MachineFields = Partial<Record<string, number>>

type Step = [bit: number, present: boolean, write: (w: ByteWriter) => void]

function encode(flagType: 'u16' | 'u24', steps: Step[], extraFlags = 0): Buffer {
  let flags = extraFlags
  for (const [bit, present] of steps) if (present) flags |= 1 << bit
  // bit 0 is "More Data": set when the first field group is absent
  if (!steps[0]![1]) flags |= 1
  else flags &= ~1
  const w = new ByteWriter().put(flagType, flags, 'flags')
  for (const [, present, write] of steps) if (present) write(w)
  return w.toBuffer()
}

const has = (f: MachineFields, ...keys: string[]) => keys.every((k) => f[k] !== undefined)

/** The three energy fields travel together; one the machine lacks is sent as "Data Not Available". */
function energy(f: MachineFields): (w: ByteWriter) => void {
  return (w) =>
    w
      .put('u16', f.energy_kcal ?? 0xffff, 'total energy')
      .put('u16', f.energy_kcal_h ?? 0xffff, 'energy per hour')
      .put('u8', f.energy_kcal_min ?? 0xff, 'energy per minute')
}

/** Inclination and Ramp Angle travel together; a missing one is sent as 0x7FFF ("Data Not Available"). */
function inclineAndRamp(f: MachineFields): (w: ByteWriter) => void {
  const tenths = (v: number | undefined) => (v === undefined ? 0x7fff : v * 10)
  return (w) => w.put('s16', tenths(f.incline_pct), 'inclination').put('s16', tenths(f.ramp_deg), 'ramp angle')
}

const hasEnergy = (f: MachineFields) => f.energy_kcal !== undefined || f.energy_kcal_h !== undefined || f.energy_kcal_min !== undefined

function resistance(f: MachineFields, layout: Layout): (w: ByteWriter) => void {
  return (w) => (layout === 'gss' ? w.put('u8', f.resistance! / 10, 'resistance') : w.put('s16', f.resistance!, 'resistance'))
}

function tail(f: MachineFields, firstBit: number): Step[] {
  return [
    [firstBit, has(f, 'heart_rate_bpm'), (w) => w.put('u8', f.heart_rate_bpm!, 'heart rate')],
    [firstBit + 1, has(f, 'met'), (w) => w.put('u8', f.met! * 10, 'MET')],
    [firstBit + 2, has(f, 'elapsed_s'), (w) => w.put('u16', f.elapsed_s!, 'elapsed time')],
    [firstBit + 3, has(f, 'remaining_s'), (w) => w.put('u16', f.remaining_s!, 'remaining time')],
  ]
}

export function encodeIndoorBikeData(f: MachineFields, layout: Layout = 'gss'): Buffer {
  return encode('u16', [
    [0, has(f, 'speed_kmh'), (w) => w.put('u16', f.speed_kmh! * 100, 'speed')],
    [1, has(f, 'avg_speed_kmh'), (w) => w.put('u16', f.avg_speed_kmh! * 100, 'average speed')],
    [2, has(f, 'cadence_rpm'), (w) => w.put('u16', f.cadence_rpm! * 2, 'cadence')],
    [3, has(f, 'avg_cadence_rpm'), (w) => w.put('u16', f.avg_cadence_rpm! * 2, 'average cadence')],
    [4, has(f, 'distance_m'), (w) => w.put('u24', f.distance_m!, 'total distance')],
    [5, has(f, 'resistance'), resistance(f, layout)],
    [6, has(f, 'power_w'), (w) => w.put('s16', f.power_w!, 'power')],
    [7, has(f, 'avg_power_w'), (w) => w.put('s16', f.avg_power_w!, 'average power')],
    [8, hasEnergy(f), energy(f)],
    ...tail(f, 9),
  ])
}

export function encodeTreadmillData(f: MachineFields, layout: Layout = 'gss'): Buffer {
  const pace = (v: number, field: string) => (w: ByteWriter) => (layout === 'gss' ? w.put('u16', v, field) : w.put('u8', (60 / v) * 10, field))
  return encode('u16', [
    [0, has(f, 'speed_kmh'), (w) => w.put('u16', f.speed_kmh! * 100, 'speed')],
    [1, has(f, 'avg_speed_kmh'), (w) => w.put('u16', f.avg_speed_kmh! * 100, 'average speed')],
    [2, has(f, 'distance_m'), (w) => w.put('u24', f.distance_m!, 'total distance')],
    [3, f.incline_pct !== undefined || f.ramp_deg !== undefined, inclineAndRamp(f)],
    [4, has(f, 'elevation_gain_m', 'elevation_loss_m'), (w) => w.put('u16', f.elevation_gain_m! * 10, 'positive elevation').put('u16', f.elevation_loss_m! * 10, 'negative elevation')],
    [5, has(f, 'pace_s_per_km'), pace(f.pace_s_per_km!, 'instantaneous pace')],
    [6, has(f, 'avg_pace_s_per_km'), pace(f.avg_pace_s_per_km!, 'average pace')],
    [7, hasEnergy(f), energy(f)],
    ...tail(f, 8),
    [12, has(f, 'force_on_belt_n', 'power_w'), (w) => w.put('s16', f.force_on_belt_n!, 'force on belt').put('s16', f.power_w!, 'power output')],
  ])
}

export function encodeRowerData(f: MachineFields, layout: Layout = 'gss'): Buffer {
  return encode('u16', [
    [0, has(f, 'stroke_rate_spm', 'strokes'), (w) => w.put('u8', f.stroke_rate_spm! * 2, 'stroke rate').put('u16', f.strokes!, 'stroke count')],
    [1, has(f, 'avg_stroke_rate_spm'), (w) => w.put('u8', f.avg_stroke_rate_spm! * 2, 'average stroke rate')],
    [2, has(f, 'distance_m'), (w) => w.put('u24', f.distance_m!, 'total distance')],
    [3, has(f, 'pace_s_per_500m'), (w) => w.put('u16', f.pace_s_per_500m!, 'instantaneous pace')],
    [4, has(f, 'avg_pace_s_per_500m'), (w) => w.put('u16', f.avg_pace_s_per_500m!, 'average pace')],
    [5, has(f, 'power_w'), (w) => w.put('s16', f.power_w!, 'power')],
    [6, has(f, 'avg_power_w'), (w) => w.put('s16', f.avg_power_w!, 'average power')],
    [7, has(f, 'resistance'), resistance(f, layout)],
    [8, hasEnergy(f), energy(f)],
    ...tail(f, 9),
  ])
}

export function encodeCrossTrainerData(f: MachineFields, layout: Layout = 'gss', backward = false): Buffer {
  return encode(
    'u24',
    [
      [0, has(f, 'speed_kmh'), (w) => w.put('u16', f.speed_kmh! * 100, 'speed')],
      [1, has(f, 'avg_speed_kmh'), (w) => w.put('u16', f.avg_speed_kmh! * 100, 'average speed')],
      [2, has(f, 'distance_m'), (w) => w.put('u24', f.distance_m!, 'total distance')],
      [3, has(f, 'cadence_rpm', 'avg_cadence_rpm'), (w) => w.put('u16', f.cadence_rpm!, 'step rate').put('u16', f.avg_cadence_rpm!, 'average step rate')],
      [4, has(f, 'strides'), (w) => w.put('u16', f.strides! * 10, 'stride count')],
      [5, has(f, 'elevation_gain_m', 'elevation_loss_m'), (w) => w.put('u16', f.elevation_gain_m!, 'positive elevation').put('u16', f.elevation_loss_m!, 'negative elevation')],
      [6, f.incline_pct !== undefined || f.ramp_deg !== undefined, inclineAndRamp(f)],
      [7, has(f, 'resistance'), resistance(f, layout)],
      [8, has(f, 'power_w'), (w) => w.put('s16', f.power_w!, 'power')],
      [9, has(f, 'avg_power_w'), (w) => w.put('s16', f.avg_power_w!, 'average power')],
      [10, hasEnergy(f), energy(f)],
      ...tail(f, 11),
    ],
    backward ? 1 << 15 : 0,
  )
}
