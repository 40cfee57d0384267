/**
 * The appends of one flush joined into framed records of up to `joinBytes` (a larger append is a record of
 * its own), in one buffer. Each append is copied in as it arrives, while its bytes are still in the cache,
 * and its caller may reuse them at once: copying a flush's 2,500 appends at the flush instead, each a Buffer
 * kept until then, took 5 % of ingest's main thread at 20 samples a message (a CPU profile, 2026-12-06).
 */
import { HEADER_BYTES, frameInPlace } from './record.js'

export class JoinedRecords {
  private length = 0
  /** Where the header of the record being filled sits, and how many payload bytes it holds. */
  private recordStart = 0
  private recordBytes = 0

  constructor(
    private readonly joinBytes: number,
    /** Where the records are written: the last flush's buffer once its write has returned, or a new one. */
    private buf: Buffer,
  ) {}

  /** The buffer written to, grown or not: the log hands it to the next flush once this one's write returned. */
  get buffer(): Buffer {
    return this.buf
  }

  add(payload: Uint8Array): void {
    if (this.length === 0 || (this.recordBytes > 0 && this.recordBytes + payload.length > this.joinBytes)) {
      if (this.length > 0) frameInPlace(this.buf, this.recordStart, this.recordBytes)
      this.reserve(HEADER_BYTES)
      this.recordStart = this.length
      this.recordBytes = 0
      this.length += HEADER_BYTES
    }
    this.reserve(payload.length)
    this.buf.set(payload, this.length)
    this.length += payload.length
    this.recordBytes += payload.length
  }

  /** The framed records, ready to write; nothing may be added after. */
  finish(): Buffer {
    if (this.length > 0) frameInPlace(this.buf, this.recordStart, this.recordBytes)
    return this.buf.subarray(0, this.length)
  }

  private reserve(more: number): void {
    if (this.length + more <= this.buf.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + more))
    this.buf.copy(grown, 0, 0, this.length)
    this.buf = grown
  }
}
