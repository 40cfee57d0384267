/**
 * Record framing in log segments: [u32 length][u32 crc32 of the payload][payload], little-endian.
 * The checksum lets recovery tell a complete record from a torn one after a power cut, where a file can
 * end in garbage or zeros rather than in a clean short write.
 */
import { crc32 } from 'node:zlib'

export const HEADER_BYTES = 8

export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + payload.length)
  out.set(payload, HEADER_BYTES)
  frameInPlace(out, 0, payload.length)
  return out
}

/** Writes the header of a record whose `length` payload bytes already sit after `start + HEADER_BYTES` in `buf`. */
export function frameInPlace(buf: Buffer, start: number, length: number): void {
  buf.writeUInt32LE(length, start)
  buf.writeUInt32LE(crc32(buf.subarray(start + HEADER_BYTES, start + HEADER_BYTES + length)), start + 4)
}

export type Unframed =
  | { kind: 'record'; payload: Buffer; next: number }
  | { kind: 'incomplete' }
  | { kind: 'corrupt' }

/** Reads the record at `pos` in `buf`. `maxRecordBytes` guards against a garbage length field. */
export function unframe(buf: Buffer, pos: number, maxRecordBytes: number): Unframed {
  if (buf.length - pos < HEADER_BYTES) return { kind: 'incomplete' }
  const length = buf.readUInt32LE(pos)
  if (length > maxRecordBytes) return { kind: 'corrupt' }
  const end = pos + HEADER_BYTES + length
  if (end > buf.length) return { kind: 'incomplete' }
  const payload = buf.subarray(pos + HEADER_BYTES, end)
  if (crc32(payload) !== buf.readUInt32LE(pos + 4)) return { kind: 'corrupt' }
  return { kind: 'record', payload, next: end }
}
