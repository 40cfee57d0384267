/** Field groups that FTMS repeats across machine types, with their clause in FTMS v1.0 / GSS. */
import type { FieldSpec } from './flagged-fields.js'

/**
 * Expended Energy: Total Energy (uint16 kcal), Energy per Hour (uint16 kcal), Energy per Minute (uint8 kcal).
 * The three travel together; a machine that lacks one sends 0xFFFF / 0xFF ("Data Not Available").
 */
export const EXPENDED_ENERGY: FieldSpec[] = [
  { key: 'energy_kcal', type: 'u16', scale: 1, notAvailable: 0xffff },
  { key: 'energy_kcal_h', type: 'u16', scale: 1, notAvailable: 0xffff },
  { key: 'energy_kcal_min', type: 'u8', scale: 1, notAvailable: 0xff },
]
export const HEART_RATE: FieldSpec[] = [{ key: 'heart_rate_bpm', type: 'u8', scale: 1 }]
/** Metabolic Equivalent: uint8, resolution 0.1. */
export const MET: FieldSpec[] = [{ key: 'met', type: 'u8', scale: 0.1 }]
export const ELAPSED_TIME: FieldSpec[] = [{ key: 'elapsed_s', type: 'u16', scale: 1 }]
export const REMAINING_TIME: FieldSpec[] = [{ key: 'remaining_s', type: 'u16', scale: 1 }]
/** Resistance Level per FTMS v1.0: sint16, unitless, resolution 1. */
export const RESISTANCE_V1: FieldSpec[] = [{ key: 'resistance', type: 's16', scale: 1 }]
/** Resistance Level per the GATT Specification Supplement: uint8, resolution 10. */
export const RESISTANCE_GSS: FieldSpec[] = [{ key: 'resistance', type: 'u8', scale: 10 }]
