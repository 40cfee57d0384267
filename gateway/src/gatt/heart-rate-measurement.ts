/**
 * Heart Rate Measurement, 0x2A37 (Heart Rate Service v1.0 §3.1; GATT Specification Supplement).
 *
 *   flags bit 0      Heart Rate Value Format: 0 = uint8, 1 = uint16 (bpm)
 *   flags bits 1–2   Sensor Contact Status: bit 2 = feature supported, bit 1 = contact detected
 *                    (bit 1 without bit 2 means "not supported", per the supplement's table)
 *   flags bit 3      Energy Expended present: uint16, kJ, since the last reset
 *   flags bit 4      RR-Interval present: one or more uint16 in units of 1/1024 s, oldest first, to the end
 */
import { ByteReader, GattDecodeError } from './byte-reader.js'

export const HEART_RATE_MEASUREMENT_UUID = 0x2a37

export interface HeartRateMeasurement {
  bpm: number
  /** Undefined when the sensor does not support contact detection. */
  contact: boolean | undefined
  energyKj: number | undefined
  /** RR intervals in raw 1/1024 s units, as sent. */
  rr1024: number[]
  /** RR intervals in ms, rounded. */
  rrMs: number[]
}

export function decodeHeartRateMeasurement(buf: Buffer): HeartRateMeasurement {
  const r = new ByteReader(buf, 'Heart Rate Measurement')
  const flags = r.u8('flags')
  const bpm = flags & 0x01 ? r.u16('heart rate (uint16)') : r.u8('heart rate (uint8)')
  const contact = flags & 0x04 ? (flags & 0x02) !== 0 : undefined
  const energyKj = flags & 0x08 ? r.u16('energy expended') : undefined
  const rr1024: number[] = []
  if (flags & 0x10) {
    if (r.remaining === 0 || r.remaining % 2 !== 0) {
      throw new GattDecodeError('Heart Rate Measurement', `inconsistent: RR-Interval flag set with ${r.remaining} bytes left (need a positive even count)`)
    }
    while (r.remaining > 0) rr1024.push(r.u16('RR interval'))
  }
  r.end()
  return { bpm, contact, energyKj, rr1024, rrMs: rr1024.map((v) => Math.round((v * 1000) / 1024)) }
}
