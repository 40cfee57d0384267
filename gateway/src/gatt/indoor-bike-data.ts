/**
 * Indoor Bike Data, 0x2AD2 (FTMS v1.0 §4.9; GATT Specification Supplement). Flags are 16 bits; fields follow in flag order.
 * Resistance Level is sint16 in FTMS v1.0 and uint8 × 10 in the GSS: both layouts are accepted, chosen
 * by the payload's length (see readWithLayouts).
 */
import { readWithLayouts, type FlagGroup, type FieldSpec } from './flagged-fields.js'
import { ELAPSED_TIME, EXPENDED_ENERGY, HEART_RATE, MET, REMAINING_TIME, RESISTANCE_GSS, RESISTANCE_V1 } from './common-fields.js'

export const INDOOR_BIKE_DATA_UUID = 0x2ad2

function groups(resistance: FieldSpec[]): FlagGroup[] {
  return [
    { bit: 0, presentWhen: 0, fields: [{ key: 'speed_kmh', type: 'u16', scale: 0.01 }] }, // §4.9.1 flags bit 0: More Data: Instantaneous Speed present when 0
    { bit: 1, fields: [{ key: 'avg_speed_kmh', type: 'u16', scale: 0.01 }] }, // §4.9.1 flags bit 1: Average Speed
    { bit: 2, fields: [{ key: 'cadence_rpm', type: 'u16', scale: 0.5 }] }, // §4.9.1 flags bit 2: Instantaneous Cadence, 0.5 /min
    { bit: 3, fields: [{ key: 'avg_cadence_rpm', type: 'u16', scale: 0.5 }] }, // §4.9.1 flags bit 3: Average Cadence
    { bit: 4, fields: [{ key: 'distance_m', type: 'u24', scale: 1 }] }, // §4.9.1 flags bit 4: Total Distance, uint24 m
    { bit: 5, fields: resistance }, // §4.9.1 flags bit 5: Resistance Level
    { bit: 6, fields: [{ key: 'power_w', type: 's16', scale: 1 }] }, // §4.9.1 flags bit 6: Instantaneous Power, sint16 W
    { bit: 7, fields: [{ key: 'avg_power_w', type: 's16', scale: 1 }] }, // §4.9.1 flags bit 7: Average Power
    { bit: 8, fields: EXPENDED_ENERGY }, // §4.9.1 flags bit 8: Expended Energy
    { bit: 9, fields: HEART_RATE }, // §4.9.1 flags bit 9: Heart Rate
    { bit: 10, fields: MET }, // §4.9.1 flags bit 10: Metabolic Equivalent
    { bit: 11, fields: ELAPSED_TIME }, // §4.9.1 flags bit 11: Elapsed Time
    { bit: 12, fields: REMAINING_TIME }, // §4.9.1 flags bit 12: Remaining Time; bits 13–15 reserved
  ]
}

const LAYOUTS = [
  { name: 'gss', groups: groups(RESISTANCE_GSS) },
  { name: 'ftms-1.0', groups: groups(RESISTANCE_V1) },
]

export function decodeIndoorBikeData(buf: Buffer) {
  return readWithLayouts(buf, 'Indoor Bike Data', 2, LAYOUTS)
}
