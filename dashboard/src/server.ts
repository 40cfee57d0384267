/**
 * The dashboard as a running server: the app, the registry and InfluxDB it reads, and the MQTT feed that
 * keeps its live hub current. `npm start` and the container both start it through here.
 */
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { InfluxClient, influxClientOptions } from '@pulseline/influx'
import { openRegistry } from '@pulseline/registry'
import { buildApp } from './app.js'
import { startMqttFeed, type MqttFeed } from './live/mqtt-feed.js'
import { historyBackfill } from './history/backfill.js'
import type { DashboardServerOptions } from './options.js'
import { followErasures } from './live/erasures.js'

export interface DashboardServer {
  app: FastifyInstance
  url: string
  feed: MqttFeed
  close(): Promise<void>
}

export async function startDashboard(options: DashboardServerOptions): Promise<DashboardServer> {
  const registry = await openRegistry(options.registry.path)
  const influx = new InfluxClient(influxClientOptions(options.influx))
  // Imports are the dashboard's only writes, with their own credential when one is given (dashboard.imports).
  const importWriter = options.imports.enabled
    ? new InfluxClient(influxClientOptions(options.imports.username ? { ...options.influx, username: options.imports.username, password: options.imports.password } : options.influx))
    : undefined
  const app = await buildApp({
    importWriter,
    maxImportBytes: options.imports.maxBytes,
    registry,
    influx,
    secureCookies: options.http.secureCookies,
    sessionTtlMs: options.http.sessionTtlMs,
    loginAttemptsPerMinute: options.http.loginAttemptsPerMinute,
    trustProxy: options.http.trustProxy,
    allowedOrigins: options.http.allowedOrigins,
    backfill: historyBackfill(influx),
  })
  await app.listen({ host: options.http.host, port: options.http.port })
  const feed = await startMqttFeed(app.hub, options.mqtt)
  // An erasure made elsewhere (the CLI, another dashboard instance): the hub forgets the member within a poll.
  const forgetErased = followErasures(registry, (member) => app.hub.forgetMember(member), options.registry.pollMs)
  return {
    app,
    url: `http://${options.http.host}:${(app.server.address() as AddressInfo).port}`,
    feed,
    async close() {
      forgetErased.stop()
      await feed.close()
      await app.close()
      await influx.close()
      await importWriter?.close()
      await registry.close()
    },
  }
}
