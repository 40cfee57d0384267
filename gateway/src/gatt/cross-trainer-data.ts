/**
 * Cross Trainer Data, 0x2ACE (FTMS v1.0 §4.5; GATT Specification Supplement). Its flags field is 24 bits. Resistance Level
 * is sint16 in FTMS v1.0 and uint8 × 10 in the GSS; both accepted, chosen by payload length. Bit 15
 * (Movement Direction) carries no field. The reference vectors hold no cross trainer payload, so this
 * decoder is checked by round trip against firmware-sim's encoder.
 */
import { readWithLayouts, type FieldSpec, type FlagGroup } from './flagged-fields.js'
import { ELAPSED_TIME, EXPENDED_ENERGY, HEART_RATE, MET, REMAINING_TIME, RESISTANCE_GSS, RESISTANCE_V1 } from './common-fields.js'

export const CROSS_TRAINER_DATA_UUID = 0x2ace

function groups(resistance: FieldSpec[]): FlagGroup[] {
  return [
    { bit: 0, presentWhen: 0, fields: [{ key: 'speed_kmh', type: 'u16', scale: 0.01 }] }, // §4.5.1 flags bit 0: More Data: Instantaneous Speed present when 0
    { bit: 1, fields: [{ key: 'avg_speed_kmh', type: 'u16', scale: 0.01 }] }, // §4.5.1 flags bit 1: Average Speed
    { bit: 2, fields: [{ key: 'distance_m', type: 'u24', scale: 1 }] }, // §4.5.1 flags bit 2: Total Distance
    {
      bit: 3, // §4.5.1 flags bit 3: Step Per Minute and Average Step Rate (uint16, /min)
      fields: [
        { key: 'cadence_rpm', type: 'u16', scale: 1 },
        { key: 'avg_cadence_rpm', type: 'u16', scale: 1 },
      ],
    },
    { bit: 4, fields: [{ key: 'strides', type: 'u16', scale: 0.1 }] }, // §4.5.1 flags bit 4: Stride Count (uint16, 0.1)
    {
      bit: 5, // §4.5.1 flags bit 5: Positive and Negative Elevation Gain (uint16, m)
      fields: [
        { key: 'elevation_gain_m', type: 'u16', scale: 1 },
        { key: 'elevation_loss_m', type: 'u16', scale: 1 },
      ],
    },
    {
      bit: 6, // §4.5.1 flags bit 6: Inclination (sint16, 0.1 %) and Ramp Angle Setting (sint16, 0.1°); 0x7FFF = not available
      fields: [
        { key: 'incline_pct', type: 's16', scale: 0.1, notAvailable: 0x7fff },
        { key: 'ramp_deg', type: 's16', scale: 0.1, notAvailable: 0x7fff },
      ],
    },
    { bit: 7, fields: resistance }, // §4.5.1 flags bit 7: Resistance Level
    { bit: 8, fields: [{ key: 'power_w', type: 's16', scale: 1 }] }, // §4.5.1 flags bit 8: Instantaneous Power
    { bit: 9, fields: [{ key: 'avg_power_w', type: 's16', scale: 1 }] }, // §4.5.1 flags bit 9: Average Power
    { bit: 10, fields: EXPENDED_ENERGY }, // §4.5.1 flags bit 10: Expended Energy
    { bit: 11, fields: HEART_RATE }, // §4.5.1 flags bit 11: Heart Rate
    { bit: 12, fields: MET }, // §4.5.1 flags bit 12: Metabolic Equivalent
    { bit: 13, fields: ELAPSED_TIME }, // §4.5.1 flags bit 13: Elapsed Time
    { bit: 14, fields: REMAINING_TIME }, // §4.5.1 flags bit 14: Remaining Time; bit 15 Movement Direction has no field
  ]
}

const LAYOUTS = [
  { name: 'gss', groups: groups(RESISTANCE_GSS) },
  { name: 'ftms-1.0', groups: groups(RESISTANCE_V1) },
]

export function decodeCrossTrainerData(buf: Buffer) {
  const decoded = readWithLayouts(buf, 'Cross Trainer Data', 3, LAYOUTS)
  return { ...decoded, backward: (buf.readUIntLE(0, 3) >> 15) & 1 }
}
