/**
 * CSC Measurement, 0x2A5B (Cycling Speed and Cadence Service v1.0 §3.1).
 *
 *   flags bit 0   Wheel Revolution Data present: Cumulative Wheel Revolutions uint32,
 *                 Last Wheel Event Time uint16 (1/1024 s)
 *   flags bit 1   Crank Revolution Data present: Cumulative Crank Revolutions uint16,
 *                 Last Crank Event Time uint16 (1/1024 s)
 *
 * A measurement carries counters, not rates; `cscRates` turns two successive ones into speed and cadence.
 */
import { ByteReader } from './byte-reader.js'

export const CSC_MEASUREMENT_UUID = 0x2a5b

export interface RevolutionData {
  revolutions: number
  /** Event time in ticks of `tickHz` (1024 for CSC, wheel data of Cycling Power uses 2048). */
  eventTime: number
}

export interface CscMeasurement {
  wheel: RevolutionData | undefined
  crank: RevolutionData | undefined
}

export function decodeCscMeasurement(buf: Buffer): CscMeasurement {
  const r = new ByteReader(buf, 'CSC Measurement')
  const flags = r.u8('flags')
  const wheel = flags & 0x01 ? { revolutions: r.u32('cumulative wheel revolutions'), eventTime: r.u16('last wheel event time') } : undefined
  const crank = flags & 0x02 ? { revolutions: r.u16('cumulative crank revolutions'), eventTime: r.u16('last crank event time') } : undefined
  r.end()
  return { wheel, crank }
}
