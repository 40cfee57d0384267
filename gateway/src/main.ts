/**
 * `gateway` as a process: options from a JSON file (--config or PULSELINE_GATEWAY_CONFIG) and
 * PULSELINE_GATEWAY_* variables, then run until SIGINT/SIGTERM. BlueZ is reached on the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS overrides where that is).
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { deepMerge, optionsFromEnv } from '@pulseline/config'
import { GatewayOptionsSchema, resolveGatewayOptions } from './options.js'
import { startGateway } from './service.js'

const { values } = parseArgs({ options: { config: { type: 'string' } } })
const file = values.config ?? process.env.PULSELINE_GATEWAY_CONFIG
const fromFile: Record<string, unknown> = file ? JSON.parse(readFileSync(file, 'utf8')) : {}
const options = resolveGatewayOptions(deepMerge(fromFile, optionsFromEnv('PULSELINE_GATEWAY', GatewayOptionsSchema)))
const gateway = await startGateway(options)
process.send?.({ ready: true })

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  })
}
