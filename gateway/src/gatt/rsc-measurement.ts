/**
 * RSC Measurement, 0x2A53 (Running Speed and Cadence Service v1.0 §3.2).
 *
 *   flags bit 0   Instantaneous Stride Length present: uint16, 1/100 m
 *   flags bit 1   Total Distance present: uint32, 1/10 m
 *   flags bit 2   Walking (0) or Running (1) status
 *   always        Instantaneous Speed uint16 (1/256 m/s), Instantaneous Cadence uint8 (/min)
 */
import { ByteReader } from './byte-reader.js'

export const RSC_MEASUREMENT_UUID = 0x2a53

export interface RscMeasurement {
  speedMps: number
  cadenceSpm: number
  strideLengthM: number | undefined
  totalDistanceM: number | undefined
  running: boolean
}

export function decodeRscMeasurement(buf: Buffer): RscMeasurement {
  const r = new ByteReader(buf, 'RSC Measurement')
  const flags = r.u8('flags')
  const speedMps = r.u16('instantaneous speed') / 256
  const cadenceSpm = r.u8('instantaneous cadence')
  const strideLengthM = flags & 0x01 ? r.u16('stride length') / 100 : undefined
  const totalDistanceM = flags & 0x02 ? r.u32('total distance') / 10 : undefined
  r.end()
  return { speedMps, cadenceSpm, strideLengthM, totalDistanceM, running: (flags & 0x04) !== 0 }
}
