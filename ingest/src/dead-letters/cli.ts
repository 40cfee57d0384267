/**
 * `npm run dead-letters -- [--url http://127.0.0.1:9464] [--limit 50] [--reason PL_…] [--payload]`:
 * what ingest refused, newest first, with the reasons, read from ingest's operator port. The refused
 * bytes are shown only with --payload: they may hold health values.
 */
import { runCommand } from '@pulseline/config'
import { ERROR_CODES } from '@pulseline/protocol'
import type { DeadLetter } from './dead-letter-store.js'

const USAGE = `usage: npm run dead-letters -- [--url <ingest's operator URL>] [--limit <n>] [--reason <PL_…>] [--payload]

What ingest refused, newest first, with every reason (docs/errors.md), read from ingest's /dead-letters.
The token comes from PULSELINE_INGEST_HTTP_TOKEN, as ingest reads it (never from the command line).

  --url <url>       ingest's operator port (default http://127.0.0.1:9464)
  --limit <n>       how many letters, 1 to 1000 (default 50)
  --reason <code>   only letters with this error code
  --payload         show the refused bytes too (they may hold health values; ingest must allow it)
  --help            this text`

const OPTIONS = {
  options: { url: { type: 'string', default: 'http://127.0.0.1:9464' }, limit: { type: 'string', default: '50' }, reason: { type: 'string' }, payload: { type: 'boolean', default: false }, help: { type: 'boolean' } },
} as const

await runCommand('dead-letters', USAGE, OPTIONS, async ({ values }) => {
  const limit = Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error(`--limit is a whole number from 1 to 1000, not ${JSON.stringify(values.limit)}`)
  if (values.reason && !Object.hasOwn(ERROR_CODES, values.reason)) throw new Error(`--reason ${JSON.stringify(values.reason)} is not an error code (docs/errors.md)`)
  const query = new URLSearchParams({ limit: String(limit) })
  if (values.reason) query.set('reason', values.reason)
  if (values.payload) query.set('payload', '1')
  // The operator token from the environment (never argv): PULSELINE_INGEST_HTTP_TOKEN, as ingest reads it.
  const token = process.env.PULSELINE_INGEST_HTTP_TOKEN
  const res = await fetch(`${values.url}/dead-letters?${query}`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).catch((err: Error) => {
    throw new Error(`cannot read ${values.url}/dead-letters: ${(err.cause as Error | undefined)?.message ?? err.message}`)
  })
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${((await res.json()) as { error?: string }).error ?? ''}`)
  const body = (await res.json()) as { letters: DeadLetter[]; droppedBytes: number }
  for (const l of body.letters) {
    const who = l.device ?? l.client ?? l.remote ?? '-'
    const why = l.reasons?.map((r) => `${r.code} at ${r.path}: ${r.message}`).join('; ') ?? l.detail ?? ''
    console.log(`${new Date(l.at).toISOString()}  ${l.reason.padEnd(24)} ${who.padEnd(20)} ${l.topic ?? ''}  ${why}${values.payload && l.payload ? `\n    ${l.payload}` : ''}`)
  }
  console.log(`${body.letters.length} letters${body.droppedBytes ? `; ${body.droppedBytes} bytes of older letters were dropped to stay within the store's limit` : ''}`)
})
