/**
 * The ingest-log part: what ingest has acknowledged to devices but not yet written to InfluxDB, read from
 * its log directory while it runs (from its committed offset to the end). It is taken before InfluxDB's
 * part, so every sample is in one or the other: a sample shipped in between is in both, which is harmless,
 * since InfluxDB keeps one point per series and timestamp. A restore writes these lines to InfluxDB.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { logRecords, type LogFileStats } from '@pulseline/ingest'
import type { InfluxClient } from '@pulseline/influx'
import { iso, type TakenPart } from './part.js'

/** A line's timestamp (ms: ingest writes with precision=ms) is its last field. */
const TIMESTAMP = / (\d{1,19})$/
const MAX_RECORD_BYTES = 64 * 1024 * 1024

export async function takeIngestLog(dir: string, staging: string): Promise<TakenPart> {
  const file = 'ingest-log/unshipped.lp'
  const out = createWriteStream(join(staging, file), { flags: 'wx' })
  const stats: LogFileStats = { from: 0, records: 0, bytes: 0, skippedBytes: 0 }
  let lines = 0
  let oldest = Infinity
  for await (const record of logRecords(dir, 'committed', MAX_RECORD_BYTES, stats)) {
    const text = record.toString('utf8')
    for (const line of text.split('\n')) {
      const ts = TIMESTAMP.exec(line)
      if (!ts) continue
      lines++
      oldest = Math.min(oldest, Number(ts[1]))
    }
    if (!out.write(text.endsWith('\n') ? text : `${text}\n`)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  const covers = { ...(Number.isFinite(oldest) ? { from: iso(oldest) } : {}), until: iso(Date.now()) }
  return { files: [file], covers, counts: { records: stats.records, lines, skipped_bytes: stats.skippedBytes } }
}

/** Writes the part's lines to InfluxDB in batches; returns how many. */
export async function restoreIngestLog(file: string, influx: InfluxClient, batchLines = 5000): Promise<number> {
  let batch: string[] = []
  let written = 0
  const flush = async () => {
    if (batch.length === 0) return
    await influx.write(batch.join('\n') + '\n')
    written += batch.length
    batch = []
  }
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line) continue
    batch.push(line)
    if (batch.length >= batchLines) await flush()
  }
  await flush()
  return written
}
