/**
 * `gateway` as a process: options from --config / PULSELINE_GATEWAY_CONFIG and PULSELINE_GATEWAY_*
 * variables. BlueZ is reached on the system bus (DBUS_SYSTEM_BUS_ADDRESS overrides where that is).
 */
import { runService } from '@pulseline/config'
import { GatewayOptionsSchema, resolveGatewayOptions } from './options.js'
import { startGateway } from './service.js'

await runService('PULSELINE_GATEWAY', GatewayOptionsSchema, resolveGatewayOptions, (o) => startGateway(o))
