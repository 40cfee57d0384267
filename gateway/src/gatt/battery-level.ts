/** Battery Level, 0x2A19 (Battery Service v1.0 §3.1): uint8 percent, 0–100; other values are invalid. */
import { ByteReader, GattDecodeError } from './byte-reader.js'

export const BATTERY_LEVEL_UUID = 0x2a19

export function decodeBatteryLevel(buf: Buffer): { batteryPct: number } {
  const r = new ByteReader(buf, 'Battery Level')
  const pct = r.u8('level')
  r.end()
  if (pct > 100) throw new GattDecodeError('Battery Level', `out of range: ${pct} % (0–100)`)
  return { batteryPct: pct }
}
