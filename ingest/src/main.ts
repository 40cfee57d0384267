/**
 * `ingest` as a process: options from a JSON file (--config or PULSELINE_INGEST_CONFIG) and from
 * PULSELINE_INGEST_* variables (see the README's configuration reference), then run until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { deepMerge, optionsFromEnv } from '@pulseline/config'
import { IngestOptionsSchema, resolveIngestOptions } from './options.js'
import { startIngest } from './service.js'

const { values } = parseArgs({ options: { config: { type: 'string' } } })
const file = values.config ?? process.env.PULSELINE_INGEST_CONFIG
const fromFile: Record<string, unknown> = file ? JSON.parse(readFileSync(file, 'utf8')) : {}
const fromEnv = optionsFromEnv('PULSELINE_INGEST', IngestOptionsSchema)
const options = resolveIngestOptions(deepMerge(fromFile, fromEnv))
const service = await startIngest(options)
process.send?.({ ready: true, mqttPort: service.mqttPort, wsPort: service.wsPort, httpPort: service.httpPort })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
