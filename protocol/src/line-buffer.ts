/**
 * A growable byte buffer that line protocol is written into, for ingest's hot path: a message's lines go
 * straight into bytes, with integers written digit by digit, instead of being built as strings (one per
 * number, one per line, then a rope flattened and copied by `Buffer.from`). On a message of 20 samples that
 * was most of what the young generation had to collect (a sampling allocation profile of ingest, 2026-12-06).
 *
 * Text it is given must already be escaped; it is written as UTF-8. Integers are written exactly as
 * `String(n)` writes them (the property test in line-buffer.test.ts holds it to that).
 */
const MINUS = 0x2d
const ZERO = 0x30

export class LineBuffer {
  private buf: Buffer
  /** Bytes written since the last `reset`. */
  length = 0

  constructor(initialBytes = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes)
  }

  reset(): void {
    this.length = 0
  }

  /** Bytes already encoded (a series key built once): copied without a round trip through a string. */
  bytes(chunk: Uint8Array): void {
    this.reserve(chunk.length)
    this.buf.set(chunk, this.length)
    this.length += chunk.length
  }

  /** One ASCII character by its code. */
  char(code: number): void {
    this.reserve(1)
    this.buf[this.length++] = code
  }

  text(value: string): void {
    this.reserve(Buffer.byteLength(value))
    this.length += this.buf.write(value, this.length)
  }

  /** An integer as `String(n)` writes it; anything else (a fraction, NaN, beyond 2^53) through `String`. */
  int(n: number): void {
    if (!Number.isSafeInteger(n)) return this.text(String(n))
    this.reserve(17) // a sign and 16 digits: every safe integer
    if (n < 0) {
      this.buf[this.length++] = MINUS
      n = -n
    }
    if (n < 0x80000000) {
      this.length = writeDigits(this.buf, this.length, n, 0)
      return
    }
    // Above 2^31 the digits come from two small integers, so the loop stays in 32-bit arithmetic.
    const high = Math.floor(n / 1e9)
    this.length = writeDigits(this.buf, writeDigits(this.buf, this.length, high, 0), n - high * 1e9, 9)
  }

  /** The bytes written, valid until the next write or `reset` (for a consumer that copies them at once). */
  view(): Buffer {
    return this.buf.subarray(0, this.length)
  }

  /** A copy of the bytes written, which outlives the next `reset`. */
  copy(): Buffer {
    const out = Buffer.allocUnsafe(this.length)
    this.buf.copy(out, 0, 0, this.length)
    return out
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.length)
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + more))
    this.buf.copy(grown, 0, 0, this.length)
    this.buf = grown
  }
}

/** Writes `n` (0 ≤ n < 2^31) in decimal at `pos`, padded with zeros to `width` digits; returns the end. */
function writeDigits(buf: Buffer, pos: number, n: number, width: number): number {
  let digits = 1
  for (let rest = n; rest >= 10; rest = (rest / 10) | 0) digits++
  if (width > digits) digits = width
  const end = pos + digits
  for (let i = end - 1; i >= pos; i--) {
    const quotient = (n / 10) | 0
    buf[i] = ZERO + n - quotient * 10
    n = quotient
  }
  return end
}
