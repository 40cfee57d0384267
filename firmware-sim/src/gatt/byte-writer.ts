/**
 * Little-endian writes for GATT characteristic values. A value that does not fit its field throws:
 * an encoder that wrapped 70000 into a uint16 would hand the gateway a plausible, wrong number.
 */
const RANGES = {
  u8: [0, 0xff],
  s8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  s16: [-0x8000, 0x7fff],
  u24: [0, 0xffffff],
  u32: [0, 0xffffffff],
} as const

export type WriteType = keyof typeof RANGES

export class ByteWriter {
  private readonly bytes: number[] = []

  put(type: WriteType, value: number, field: string): this {
    const raw = Math.round(value)
    const [min, max] = RANGES[type]
    if (!Number.isFinite(raw) || raw < min || raw > max) throw new RangeError(`${field} = ${value} does not fit ${type}`)
    const width = { u8: 1, s8: 1, u16: 2, s16: 2, u24: 3, u32: 4 }[type]
    const unsigned = raw < 0 ? raw + 2 ** (8 * width) : raw
    for (let i = 0; i < width; i++) this.bytes.push(Math.floor(unsigned / 2 ** (8 * i)) & 0xff)
    return this
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes)
  }
}
