/**
 * The dead-letters part: every letter in the store, one JSON object per line, read from its directory while
 * ingest runs. A restore puts them back into an empty store in the same order.
 */
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { DeadLetterStore, logRecords, type DeadLetter } from '@pulseline/ingest'
import { iso, type TakenPart } from './part.js'

const MAX_RECORD_BYTES = 32 * 1024 * 1024

export async function takeDeadLetters(dir: string, staging: string): Promise<TakenPart> {
  const file = 'dead-letters/letters.ndjson'
  const out = createWriteStream(join(staging, file), { flags: 'wx' })
  let letters = 0
  let oldest = Infinity
  for await (const record of logRecords(dir, 'start', MAX_RECORD_BYTES)) {
    const letter = JSON.parse(record.toString('utf8')) as DeadLetter
    letters++
    oldest = Math.min(oldest, letter.at)
    if (!out.write(`${JSON.stringify(letter)}\n`)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return { files: [file], covers: { ...(Number.isFinite(oldest) ? { from: iso(oldest) } : {}), until: iso(Date.now()) }, counts: { letters } }
}

export async function restoreDeadLetters(file: string, dir: string, maxBytes: number): Promise<number> {
  const store = await DeadLetterStore.open({ dir, maxBytes, keepPayloadBytes: 0 })
  let restored = 0
  try {
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (!line) continue
      await store.keep(JSON.parse(line) as DeadLetter)
      restored++
    }
  } finally {
    await store.close()
  }
  return restored
}
