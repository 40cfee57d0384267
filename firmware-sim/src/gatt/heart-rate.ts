/** Heart Rate Measurement (0x2A37) and Battery Level (0x2A19) bytes, as a strap sends them. */
import { ByteWriter } from './byte-writer.js'

export interface HeartRateFields {
  bpm: number
  /** Omit for a sensor without contact detection. */
  contact?: boolean
  energyKj?: number
  rrMs?: readonly number[]
  /** Send the value as uint16 even when it fits uint8. */
  format16?: boolean
}

export function encodeHeartRateMeasurement(f: HeartRateFields): Buffer {
  const wide = f.format16 === true || f.bpm > 255
  let flags = wide ? 0x01 : 0
  if (f.contact !== undefined) flags |= 0x04 | (f.contact ? 0x02 : 0)
  if (f.energyKj !== undefined) flags |= 0x08
  if (f.rrMs && f.rrMs.length > 0) flags |= 0x10
  const w = new ByteWriter().put('u8', flags, 'flags').put(wide ? 'u16' : 'u8', f.bpm, 'heart rate')
  if (f.energyKj !== undefined) w.put('u16', f.energyKj, 'energy expended')
  for (const rr of f.rrMs ?? []) w.put('u16', (rr * 1024) / 1000, 'RR interval')
  return w.toBuffer()
}

export function encodeBatteryLevel(pct: number): Buffer {
  return new ByteWriter().put('u8', pct, 'battery level').toBuffer()
}
