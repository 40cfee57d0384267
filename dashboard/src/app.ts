/**
 * The dashboard's HTTP server: Fastify with the access plugin on every route, people's login, the
 * registry's REST API, and its OpenAPI document at /docs/json. The class board and history (issue #6)
 * plug into the same app.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import cookie from '@fastify/cookie'
import rateLimit from '@fastify/rate-limit'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { Registry } from '@pulseline/registry'
import type { InfluxClient } from '@pulseline/influx'
import type { LineWriter } from '@pulseline/files'
import { accessPlugin } from './plugins/access.js'
import { hardeningPlugin } from './plugins/hardening.js'
import websocket from '@fastify/websocket'
import { authRoutes } from './routes/auth.js'
import { registryRoutes } from './routes/registry.js'
import { adminRoutes } from './routes/admin.js'
import { pairingRoutes } from './routes/pairing.js'
import { liveRoutes, type Backfill } from './routes/live.js'
import { historyRoutes } from './routes/history.js'
import { fileRoutes } from './routes/files.js'
import { webRoutes } from './routes/web.js'
import { LiveHub } from './live/live-hub.js'

export interface DashboardOptions {
  registry: Registry
  influx?: InfluxClient
  /** Where members' uploaded files are written (an InfluxDB client with a write credential); none: uploads are refused. */
  importWriter?: LineWriter
  maxImportBytes?: number
  secureCookies?: boolean
  sessionTtlMs?: number
  loginAttemptsPerMinute?: number
  /** The live state the WebSocket serves; fed by the MQTT feed (live/mqtt-feed.ts) or, in tests, directly. */
  hub?: LiveHub
  backfill?: Backfill
  /** How often a live socket's session is re-checked (ms). */
  liveRecheckMs?: number
  /** Proxies whose X-Forwarded-For is believed (Fastify's trustProxy): rate limits then key on the client, not the proxy. */
  trustProxy?: boolean | string | string[]
  /** Origins besides the dashboard's own allowed to send state-changing requests (plugins/hardening.ts). */
  allowedOrigins?: string[]
}

declare module 'fastify' {
  interface FastifyInstance {
    hub: LiveHub
  }
}

export async function buildApp(options: DashboardOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, trustProxy: options.trustProxy ?? false })
  await app.register(hardeningPlugin, { allowedOrigins: options.allowedOrigins ?? [], tls: options.secureCookies ?? false })
  await app.register(cookie)
  await app.register(rateLimit, { global: false })
  await app.register(swagger, { openapi: { info: { title: 'Pulseline', version: '0.1.0' } } })
  await app.register(accessPlugin, { registry: options.registry })
  await app.register(authRoutes, {
    registry: options.registry,
    secureCookies: options.secureCookies ?? false,
    sessionTtlMs: options.sessionTtlMs ?? 12 * 3_600_000,
    loginAttemptsPerMinute: options.loginAttemptsPerMinute ?? 10,
  })
  await app.register(websocket, { options: { maxPayload: 4096 } })
  const hub = options.hub ?? new LiveHub()
  app.decorate('hub', hub)
  await app.register(registryRoutes, { registry: options.registry, influx: options.influx })
  await app.register(adminRoutes, { registry: options.registry })
  await app.register(pairingRoutes, { registry: options.registry, hub })
  await app.register(liveRoutes, { registry: options.registry, hub, backfill: options.backfill, recheckMs: options.liveRecheckMs })
  await app.register(historyRoutes, { registry: options.registry, influx: options.influx })
  await app.register(fileRoutes, { registry: options.registry, influx: options.influx, importWriter: options.importWriter, maxImportBytes: options.maxImportBytes })
  await app.register(webRoutes)
  // The API's interactive documentation at /docs, the OpenAPI document at /docs/json: for logged-in users only,
  // since they list every admin route (security review L8; the access plugin gives every /docs route that rule).
  await app.register(swaggerUi, { routePrefix: '/docs' })
  // For container health checks: answers when the server is up, says nothing about anyone.
  app.get('/api/health', { config: { access: 'public' }, schema: { tags: ['ops'] } }, async () => ({ status: 'ok' }))
  return app
}
