/**
 * FTMS data characteristics (FTMS v1.0 §4.4–4.9) are "a flags field, then the fields the flags say are present,
 * in a fixed order". Each decoder declares that order as a table of flag groups, with the spec clause
 * beside each flag bit; this module reads a payload against such a table.
 */
import { ByteReader, GattDecodeError } from './byte-reader.js'

export type FieldType = 'u8' | 's8' | 'u16' | 's16' | 'u24' | 'u32'

const WIDTH: Record<FieldType, number> = { u8: 1, s8: 1, u16: 2, s16: 2, u24: 3, u32: 4 }

export interface FieldSpec {
  /** Output key (Pulseline's metric name where one exists, with its unit suffix). */
  key: string
  type: FieldType
  /** Multiplier from the raw integer to the unit of `key` (the spec's resolution). */
  scale: number
  /** Optional conversion applied after scaling; returning undefined omits the field (e.g. pace of 0 km/min). */
  convert?: (value: number) => number | undefined
  /** Raw value the spec reserves for "Data Not Available"; the field is then omitted, never reported as that number. */
  notAvailable?: number
}

export interface FlagGroup {
  bit: number
  /** FTMS bit 0 ("More Data") is inverted: its fields are present when the bit is 0. */
  presentWhen?: 0 | 1
  fields: FieldSpec[]
}

export type Decoded = Record<string, number>

function present(flags: number, group: FlagGroup): boolean {
  return ((flags >> group.bit) & 1) === (group.presentWhen ?? 1)
}

/** Bytes the fields announced by `flags` take under `groups` (without the flags field itself). */
export function layoutLength(flags: number, groups: readonly FlagGroup[]): number {
  let n = 0
  for (const g of groups) if (present(flags, g)) for (const f of g.fields) n += WIDTH[f.type]
  return n
}

export function readFields(reader: ByteReader, flags: number, groups: readonly FlagGroup[]): Decoded {
  const out: Decoded = {}
  for (const g of groups) {
    if (!present(flags, g)) continue
    for (const f of g.fields) {
      const raw = reader[f.type](f.key)
      if (raw === f.notAvailable) continue
      const scaled = Math.round(raw * f.scale * 1e6) / 1e6 // keep 0.01 × 1234 = 12.34, not 12.340000000000002
      const value = f.convert ? f.convert(scaled) : scaled
      if (value !== undefined) out[f.key] = value
    }
  }
  reader.end()
  return out
}

/**
 * Decodes with the layout whose length matches the payload exactly. FTMS v1.0 and the later GATT
 * Specification Supplement give some fields different widths (see each decoder); machines in the field
 * implement either, and the flags plus the payload length tell them apart without guessing. A payload
 * that fits neither is rejected as inconsistent.
 */
export function readWithLayouts(
  buf: Buffer,
  characteristic: string,
  flagBytes: 2 | 3,
  layouts: ReadonlyArray<{ name: string; groups: readonly FlagGroup[] }>,
): Decoded {
  const reader = new ByteReader(buf, characteristic)
  const flags = flagBytes === 2 ? reader.u16('flags') : reader.u24('flags')
  const body = buf.length - flagBytes
  const matching = layouts.filter((l) => layoutLength(flags, l.groups) === body)
  if (matching.length === 0) {
    const expected = [...new Set(layouts.map((l) => layoutLength(flags, l.groups)))].map((n) => n + flagBytes)
    throw new GattDecodeError(characteristic, `flags 0x${flags.toString(16)} announce ${expected.join(' or ')} bytes, payload has ${buf.length}`)
  }
  return readFields(reader, flags, matching[0]!.groups)
}
