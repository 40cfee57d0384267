/**
 * Little-endian reads over a characteristic value (multi-octet GATT fields are little-endian). Every
 * read checks the length first and throws GattDecodeError: a truncated
 * payload is rejected with a reason, never read past its end or filled with zeros.
 */
export class GattDecodeError extends Error {
  constructor(
    readonly characteristic: string,
    readonly reason: string,
  ) {
    super(`${characteristic}: ${reason}`)
    this.name = 'GattDecodeError'
  }
}

export class ByteReader {
  private pos = 0

  constructor(
    private readonly buf: Buffer,
    private readonly characteristic: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.pos
  }

  get length(): number {
    return this.buf.length
  }

  private need(bytes: number, field: string): number {
    if (this.remaining < bytes) {
      throw new GattDecodeError(this.characteristic, `truncated: ${field} needs ${bytes} bytes at offset ${this.pos}, ${this.remaining} left`)
    }
    const at = this.pos
    this.pos += bytes
    return at
  }

  u8(field: string): number {
    return this.buf.readUInt8(this.need(1, field))
  }
  s8(field: string): number {
    return this.buf.readInt8(this.need(1, field))
  }
  u16(field: string): number {
    return this.buf.readUInt16LE(this.need(2, field))
  }
  s16(field: string): number {
    return this.buf.readInt16LE(this.need(2, field))
  }
  u24(field: string): number {
    return this.buf.readUIntLE(this.need(3, field), 3)
  }
  u32(field: string): number {
    return this.buf.readUInt32LE(this.need(4, field))
  }

  /** Fails when bytes are left over: a payload longer than its flags announce is inconsistent. */
  end(): void {
    if (this.remaining !== 0) throw new GattDecodeError(this.characteristic, `inconsistent: ${this.remaining} bytes beyond the fields the flags announce`)
  }
}
