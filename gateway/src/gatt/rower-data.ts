/**
 * Rower Data, 0x2AD1 (FTMS v1.0 §4.8; GATT Specification Supplement). Resistance Level is sint16 in FTMS v1.0 and uint8 × 10
 * in the GSS; both accepted, chosen by payload length.
 */
import { readWithLayouts, type FieldSpec, type FlagGroup } from './flagged-fields.js'
import { ELAPSED_TIME, EXPENDED_ENERGY, HEART_RATE, MET, REMAINING_TIME, RESISTANCE_GSS, RESISTANCE_V1 } from './common-fields.js'

export const ROWER_DATA_UUID = 0x2ad1

function groups(resistance: FieldSpec[]): FlagGroup[] {
  return [
    {
      bit: 0, // §4.8.1 flags bit 0: More Data: Stroke Rate (uint8, 0.5 /min) and Stroke Count (uint16) present when 0
      presentWhen: 0,
      fields: [
        { key: 'stroke_rate_spm', type: 'u8', scale: 0.5 },
        { key: 'strokes', type: 'u16', scale: 1 },
      ],
    },
    { bit: 1, fields: [{ key: 'avg_stroke_rate_spm', type: 'u8', scale: 0.5 }] }, // §4.8.1 flags bit 1: Average Stroke Rate
    { bit: 2, fields: [{ key: 'distance_m', type: 'u24', scale: 1 }] }, // §4.8.1 flags bit 2: Total Distance
    { bit: 3, fields: [{ key: 'pace_s_per_500m', type: 'u16', scale: 1 }] }, // §4.8.1 flags bit 3: Instantaneous Pace, s/500 m
    { bit: 4, fields: [{ key: 'avg_pace_s_per_500m', type: 'u16', scale: 1 }] }, // §4.8.1 flags bit 4: Average Pace
    { bit: 5, fields: [{ key: 'power_w', type: 's16', scale: 1 }] }, // §4.8.1 flags bit 5: Instantaneous Power
    { bit: 6, fields: [{ key: 'avg_power_w', type: 's16', scale: 1 }] }, // §4.8.1 flags bit 6: Average Power
    { bit: 7, fields: resistance }, // §4.8.1 flags bit 7: Resistance Level
    { bit: 8, fields: EXPENDED_ENERGY }, // §4.8.1 flags bit 8: Expended Energy
    { bit: 9, fields: HEART_RATE }, // §4.8.1 flags bit 9: Heart Rate
    { bit: 10, fields: MET }, // §4.8.1 flags bit 10: Metabolic Equivalent
    { bit: 11, fields: ELAPSED_TIME }, // §4.8.1 flags bit 11: Elapsed Time
    { bit: 12, fields: REMAINING_TIME }, // §4.8.1 flags bit 12: Remaining Time; bits 13–15 reserved
  ]
}

const LAYOUTS = [
  { name: 'gss', groups: groups(RESISTANCE_GSS) },
  { name: 'ftms-1.0', groups: groups(RESISTANCE_V1) },
]

export function decodeRowerData(buf: Buffer) {
  return readWithLayouts(buf, 'Rower Data', 2, LAYOUTS)
}
