/**
 * `npm run dead-letters -- [--url http://127.0.0.1:9464] [--limit 50] [--reason PL_…] [--payload]`:
 * what ingest refused, newest first, with the reasons, read from ingest's operator port. The refused
 * bytes are shown only with --payload: they may hold health values.
 */
import { parseArgs } from 'node:util'
import type { DeadLetter } from './dead-letter-store.js'

const { values } = parseArgs({
  options: { url: { type: 'string', default: 'http://127.0.0.1:9464' }, limit: { type: 'string', default: '50' }, reason: { type: 'string' }, payload: { type: 'boolean', default: false } },
})
const query = new URLSearchParams({ limit: values.limit! })
if (values.reason) query.set('reason', values.reason)
if (values.payload) query.set('payload', '1')
try {
  // The operator token from the environment (never argv): PULSELINE_INGEST_HTTP_TOKEN, as ingest reads it.
  const token = process.env.PULSELINE_INGEST_HTTP_TOKEN
  const res = await fetch(`${values.url}/dead-letters?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${((await res.json()) as { error?: string }).error ?? ''}`)
  const body = (await res.json()) as { letters: DeadLetter[]; droppedBytes: number }
  for (const l of body.letters) {
    const who = l.device ?? l.client ?? l.remote ?? '-'
    const why = l.reasons?.map((r) => `${r.code} at ${r.path}: ${r.message}`).join('; ') ?? l.detail ?? ''
    console.log(`${new Date(l.at).toISOString()}  ${l.reason.padEnd(24)} ${who.padEnd(20)} ${l.topic ?? ''}  ${why}${values.payload && l.payload ? `\n    ${l.payload}` : ''}`)
  }
  console.log(`${body.letters.length} letters${body.droppedBytes ? `; ${body.droppedBytes} bytes of older letters were dropped to stay within the store's limit` : ''}`)
} catch (err) {
  console.error(`dead-letters: cannot read ${values.url}/dead-letters: ${(err as Error).message}`)
  process.exit(2)
}
