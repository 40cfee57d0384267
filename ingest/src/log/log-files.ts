/**
 * Reads the records of a DurableLog's directory from outside the process that writes it: the backup copies
 * what ingest has acknowledged but not yet written to InfluxDB while ingest keeps running. It reads the
 * committed offset, then every segment from there, and stops at the end of what is on disk: a record still
 * being written is not whole yet, and it is not acknowledged until its flush ends anyway. A segment that
 * vanishes meanwhile was shipped and deleted, so its records are in InfluxDB.
 */
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { HEADER_BYTES, unframe } from './record.js'
import { SEGMENT_NAME, readCheckpoint } from './durable-log.js'

const CHUNK_BYTES = 4 * 1024 * 1024

export interface LogFileStats {
  /** The committed offset read (0 when no consumer has committed). */
  from: number
  records: number
  bytes: number
  /** Bytes after a corrupt record in a segment, not read. */
  skippedBytes: number
}

/**
 * Every record from the committed offset (`from: 'committed'`) or from the first segment (`'start'`),
 * oldest first. `stats` fills in as the generator runs.
 */
export async function* logRecords(dir: string, from: 'committed' | 'start', maxRecordBytes: number, stats: LogFileStats = newStats()): AsyncGenerator<Buffer> {
  const committed = from === 'committed' ? await readCheckpoint(dir) : 0
  stats.from = committed
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => SEGMENT_NAME.test(n)).sort()
  const bases = names.map((n) => Number(SEGMENT_NAME.exec(n)![1]))
  for (const [i, name] of names.entries()) {
    const next = bases[i + 1]
    if (next !== undefined && next <= committed) continue
    const handle = await open(join(dir, name), 'r').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined // shipped and deleted since the listing
      throw err
    })
    if (!handle) continue
    try {
      let pos = Math.max(0, committed - bases[i]!)
      let carry = Buffer.alloc(0)
      for (;;) {
        const chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, maxRecordBytes + HEADER_BYTES))
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, pos + carry.length)
        if (bytesRead === 0) break
        const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead)
        let p = 0
        let corrupt = false
        for (;;) {
          const r = unframe(buf, p, maxRecordBytes)
          if (r.kind === 'incomplete') break
          if (r.kind === 'corrupt') {
            corrupt = true
            break
          }
          stats.records++
          stats.bytes += r.payload.length
          yield Buffer.from(r.payload)
          p = r.next
        }
        if (corrupt) {
          const size = (await handle.stat()).size
          stats.skippedBytes += size - (pos + p)
          break
        }
        pos += p
        carry = Buffer.from(buf.subarray(p))
      }
    } finally {
      await handle.close()
    }
  }
}

export function newStats(): LogFileStats {
  return { from: 0, records: 0, bytes: 0, skippedBytes: 0 }
}
