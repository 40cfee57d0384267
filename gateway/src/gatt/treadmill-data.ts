/**
 * Treadmill Data, 0x2ACD (FTMS v1.0 §4.4; GATT Specification Supplement). The FTMS v1.0 characteristic definition gives
 * Instantaneous and Average Pace as uint8 km/min (resolution 0.1); the GSS gives them as uint16 seconds
 * (per km). Both are accepted, chosen by payload length, and reported as s/km. A v1.0 pace of 0 km/min
 * (standing still) has no pace in s/km and is omitted, not written as 0.
 */
import { readWithLayouts, type FieldSpec, type FlagGroup } from './flagged-fields.js'
import { ELAPSED_TIME, EXPENDED_ENERGY, HEART_RATE, MET, REMAINING_TIME } from './common-fields.js'

export const TREADMILL_DATA_UUID = 0x2acd

const kmPerMinToSecPerKm = (v: number) => (v > 0 ? Math.round((60 / v) * 10) / 10 : undefined)
const PACE_V1: [FieldSpec[], FieldSpec[]] = [
  [{ key: 'pace_s_per_km', type: 'u8', scale: 0.1, convert: kmPerMinToSecPerKm }],
  [{ key: 'avg_pace_s_per_km', type: 'u8', scale: 0.1, convert: kmPerMinToSecPerKm }],
]
const PACE_GSS: [FieldSpec[], FieldSpec[]] = [
  [{ key: 'pace_s_per_km', type: 'u16', scale: 1 }],
  [{ key: 'avg_pace_s_per_km', type: 'u16', scale: 1 }],
]

function groups([pace, avgPace]: [FieldSpec[], FieldSpec[]]): FlagGroup[] {
  return [
    { bit: 0, presentWhen: 0, fields: [{ key: 'speed_kmh', type: 'u16', scale: 0.01 }] }, // §4.4.1 flags bit 0: More Data: Instantaneous Speed present when 0
    { bit: 1, fields: [{ key: 'avg_speed_kmh', type: 'u16', scale: 0.01 }] }, // §4.4.1 flags bit 1: Average Speed
    { bit: 2, fields: [{ key: 'distance_m', type: 'u24', scale: 1 }] }, // §4.4.1 flags bit 2: Total Distance
    {
      bit: 3, // §4.4.1 flags bit 3: Inclination (sint16, 0.1 %) and Ramp Angle Setting (sint16, 0.1°); 0x7FFF = not available
      fields: [
        { key: 'incline_pct', type: 's16', scale: 0.1, notAvailable: 0x7fff },
        { key: 'ramp_deg', type: 's16', scale: 0.1, notAvailable: 0x7fff },
      ],
    },
    {
      bit: 4, // §4.4.1 flags bit 4: Positive and Negative Elevation Gain (uint16, 0.1 m)
      fields: [
        { key: 'elevation_gain_m', type: 'u16', scale: 0.1 },
        { key: 'elevation_loss_m', type: 'u16', scale: 0.1 },
      ],
    },
    { bit: 5, fields: pace }, // §4.4.1 flags bit 5: Instantaneous Pace
    { bit: 6, fields: avgPace }, // §4.4.1 flags bit 6: Average Pace
    { bit: 7, fields: EXPENDED_ENERGY }, // §4.4.1 flags bit 7: Expended Energy
    { bit: 8, fields: HEART_RATE }, // §4.4.1 flags bit 8: Heart Rate
    { bit: 9, fields: MET }, // §4.4.1 flags bit 9: Metabolic Equivalent
    { bit: 10, fields: ELAPSED_TIME }, // §4.4.1 flags bit 10: Elapsed Time
    { bit: 11, fields: REMAINING_TIME }, // §4.4.1 flags bit 11: Remaining Time
    {
      bit: 12, // §4.4.1 flags bit 12: Force on Belt (sint16 N) and Power Output (sint16 W); bits 13–15 reserved
      fields: [
        { key: 'force_on_belt_n', type: 's16', scale: 1 },
        { key: 'power_w', type: 's16', scale: 1 },
      ],
    },
  ]
}

const LAYOUTS = [
  { name: 'gss', groups: groups(PACE_GSS) },
  { name: 'ftms-1.0', groups: groups(PACE_V1) },
]

export function decodeTreadmillData(buf: Buffer) {
  return readWithLayouts(buf, 'Treadmill Data', 2, LAYOUTS)
}
