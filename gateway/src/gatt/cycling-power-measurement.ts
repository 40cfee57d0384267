/**
 * Cycling Power Measurement, 0x2A63 (Cycling Power Service v1.1 §3.2). Instantaneous Power (sint16, W)
 * always follows the 16-bit flags; optional fields come in this order:
 *
 *   bit 0    Pedal Power Balance present: uint8, 1/2 %          (bit 1: balance reference, no field)
 *   bit 2    Accumulated Torque present: uint16, 1/32 Nm        (bit 3: torque source, no field)
 *   bit 4    Wheel Revolution Data present: uint32 revolutions, uint16 event time in 1/2048 s (not 1/1024)
 *   bit 5    Crank Revolution Data present: uint16 revolutions, uint16 event time in 1/1024 s
 *   bit 6    Extreme Force Magnitudes present: sint16 max, sint16 min (N)
 *   bit 7    Extreme Torque Magnitudes present: sint16 max, sint16 min (1/32 Nm)
 *   bit 8    Extreme Angles present: uint12 max + uint12 min packed in 3 bytes
 *   bit 9    Top Dead Spot Angle present: uint16, degrees
 *   bit 10   Bottom Dead Spot Angle present: uint16, degrees
 *   bit 11   Accumulated Energy present: uint16, kJ
 *   bit 12   Offset Compensation Indicator, no field
 */
import { ByteReader } from './byte-reader.js'
import type { RevolutionData } from './csc-measurement.js'

export const CYCLING_POWER_MEASUREMENT_UUID = 0x2a63

export interface CyclingPowerMeasurement {
  powerW: number
  pedalBalancePct: number | undefined
  accumulatedTorqueNm: number | undefined
  /** Wheel event time in 1/2048 s ticks. */
  wheel: RevolutionData | undefined
  /** Crank event time in 1/1024 s ticks. */
  crank: RevolutionData | undefined
  accumulatedEnergyKj: number | undefined
}

export function decodeCyclingPowerMeasurement(buf: Buffer): CyclingPowerMeasurement {
  const r = new ByteReader(buf, 'Cycling Power Measurement')
  const flags = r.u16('flags')
  const powerW = r.s16('instantaneous power')
  const pedalBalancePct = flags & 0x0001 ? r.u8('pedal power balance') / 2 : undefined
  const accumulatedTorqueNm = flags & 0x0004 ? r.u16('accumulated torque') / 32 : undefined
  const wheel = flags & 0x0010 ? { revolutions: r.u32('wheel revolutions'), eventTime: r.u16('last wheel event time') } : undefined
  const crank = flags & 0x0020 ? { revolutions: r.u16('crank revolutions'), eventTime: r.u16('last crank event time') } : undefined
  if (flags & 0x0040) (r.s16('max force'), r.s16('min force'))
  if (flags & 0x0080) (r.s16('max torque'), r.s16('min torque'))
  if (flags & 0x0100) (r.u16('extreme angles'), r.u8('extreme angles'))
  if (flags & 0x0200) r.u16('top dead spot angle')
  if (flags & 0x0400) r.u16('bottom dead spot angle')
  const accumulatedEnergyKj = flags & 0x0800 ? r.u16('accumulated energy') : undefined
  r.end()
  return { powerW, pedalBalancePct, accumulatedTorqueNm, wheel, crank, accumulatedEnergyKj }
}
