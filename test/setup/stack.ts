/**
 * The whole live stack in-process for end-to-end tests and benchmarks: a seeded registry, ingest (the
 * broker), analytics and the dashboard server, on free ports, against the suite's InfluxDB.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import type { GymPlan } from '@pulseline/firmware-sim'
import { startIngest, type IngestService } from '@pulseline/ingest'
import { resolveAnalyticsOptions, startAnalytics, type AnalyticsService } from '@pulseline/analytics'
import { resolveDashboardOptions, startDashboard, type DashboardServer } from '@pulseline/dashboard'
import { seedDemoRegistry, type DemoSeed } from '../../scripts/demo/seed.js'
import { ingestOptions } from './ingest.js'

export interface Stack {
  seed: DemoSeed
  registryPath: string
  ingest: IngestService
  analytics: AnalyticsService
  dashboard: DashboardServer
  mqttUrl: string
  close(): Promise<void>
}

export async function startStack(influxUrl: string, database: string, plan: GymPlan, classStartMs: number, analyticsOver: Record<string, unknown> = {}): Promise<Stack> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-stack-'))
  const registryPath = join(dir, 'registry.sqlite')
  const seed = await seedDemoRegistry(registryPath, plan, 'gw-1', classStartMs, join(dir, 'secrets.json'), join(dir, 'services.json'))
  const options = await ingestOptions(influxUrl, database)
  options.identities.file = join(dir, 'services.json')
  options.identities.registry = registryPath
  options.identities.registryPollMs = 200
  const ingest = await startIngest(options, { logger: pino({ level: 'silent' }) })
  const mqttUrl = `mqtt://127.0.0.1:${ingest.mqttPort}`
  const analytics = await startAnalytics(
    resolveAnalyticsOptions({
      mqtt: { url: mqttUrl, username: 'analytics', password: seed.services.get('analytics')!, gyms: [plan.gym] },
      influx: { url: influxUrl, database, flushMs: 200 },
      registry: { path: registryPath, pollMs: 200 },
      ...analyticsOver,
    }),
  )
  const dashboard = await startDashboard(
    resolveDashboardOptions({
      http: { port: 0, loginAttemptsPerMinute: 1000 },
      registry: { path: registryPath },
      influx: { url: influxUrl, database },
      mqtt: { url: mqttUrl, username: 'dashboard', password: seed.services.get('dashboard')!, gyms: [plan.gym] },
    }),
  )
  return {
    seed,
    registryPath,
    ingest,
    analytics,
    dashboard,
    mqttUrl,
    async close() {
      await dashboard.close()
      await analytics.close()
      await ingest.close()
    },
  }
}
