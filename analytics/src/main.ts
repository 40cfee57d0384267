/**
 * `analytics` as a process: options from a JSON file (--config or PULSELINE_ANALYTICS_CONFIG) and from
 * PULSELINE_ANALYTICS_* variables, then run until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { deepMerge, optionsFromEnv } from '@pulseline/config'
import { AnalyticsOptionsSchema, resolveAnalyticsOptions } from './service/options.js'
import { startAnalytics } from './service/service.js'

const { values } = parseArgs({ options: { config: { type: 'string' } } })
const file = values.config ?? process.env.PULSELINE_ANALYTICS_CONFIG
const fromFile: Record<string, unknown> = file ? JSON.parse(readFileSync(file, 'utf8')) : {}
const options = resolveAnalyticsOptions(deepMerge(fromFile, optionsFromEnv('PULSELINE_ANALYTICS', AnalyticsOptionsSchema)))
const service = await startAnalytics(options, pino({ name: 'analytics' }))
process.send?.({ ready: true, backend: service.backend })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
