/**
 * Every panel query of every dashboard against a real InfluxDB filled through the real pipeline: a
 * simulated class through ingest's broker and analytics (tiles, anomalies, rollups, the class summary), a
 * member's night of sleep and steps from their watch, and both services' pipeline metrics. Grafana's
 * macros and variables are substituted the way Grafana does (src/macros.ts); each query must return a
 * non-empty result of its panel's shape. Also: the committed JSON is what the code builds.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import type { InfluxClient } from '@pulseline/influx'
import { startIngest, type IngestService } from '@pulseline/ingest'
import { createRandom, planGym, runGym, simulateNight, EPOCH_S } from '@pulseline/firmware-sim'
import { deviceSamplesTopic, encodePayload, type Sample } from '@pulseline/protocol'
import { SqliteRegistry } from '@pulseline/registry'
import { resolveAnalyticsOptions, startAnalytics, type AnalyticsService } from '@pulseline/analytics'
import { freshDatabase } from '../../test/setup/influx.js'
import { localMidnightMs } from '../../analytics/src/service/rollups.js'
import { localHour } from '../../analytics/src/summaries/local-time.js'
import { ingestOptions } from '../../test/setup/ingest.js'
import { seedDemoRegistry } from '../../scripts/demo/seed.js'
import { DASHBOARDS, dashboardJson, substitute } from '../src/index.js'

interface Target {
  refId: string
  query: string
  resultFormat: 'time_series' | 'table'
}
interface Panel {
  type: string
  title: string
  interval?: string
  targets?: Target[]
}

const GYM = 'grafana-gym'

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('Grafana dashboards', () => {
  let influx: InfluxClient
  let ingest: IngestService
  let analytics: AnalyticsService
  let member = ''
  const now = Date.now()

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pl-grafana-'))
    influx = await freshDatabase('grafana')
    // A 40-minute class that ended 5 minutes ago, replayed at high speed.
    const startMs = now - 45 * 60_000
    const plan = planGym({ seed: 7, gym: GYM, members: 4, machines: 3, startMs, classStartMs: startMs, watchEvery: 2 })
    const registryPath = join(dir, 'registry.sqlite')
    const seed = await seedDemoRegistry(registryPath, plan, 'gw-1', startMs, join(dir, 'secrets.json'), join(dir, 'services.json'))
    const options = await ingestOptions(inject('influxUrl'), influx.options.database, { http: { port: 0, metricsToInfluxMs: 200 } })
    options.identities.file = join(dir, 'services.json')
    options.identities.registry = registryPath
    ingest = await startIngest(options, { logger: pino({ level: 'silent' }) })
    analytics = await startAnalytics(
      resolveAnalyticsOptions({
        mqtt: { url: `mqtt://127.0.0.1:${ingest.mqttPort}`, username: 'analytics', password: seed.services.get('analytics')!, gyms: [GYM] },
        influx: { url: inject('influxUrl'), database: influx.options.database, flushMs: 100 },
        registry: { path: registryPath, pollMs: 100 },
        live: { tickMs: 200 },
        metricsToInfluxMs: 200,
        rollups: { everyMs: 3_600_000, dailyEveryMs: 3_600_000, lookbackMs: 60 * 60_000 },
      }),
    )
    await runGym({ url: `mqtt://127.0.0.1:${ingest.mqttPort}`, plan, secrets: seed.secrets, startMs, durationMs: 40 * 60_000, speedup: 200, samplesPerMessage: 20, maxInflight: 64, tickMs: 20 })

    // The member with a watch: last night's sleep with RR intervals, and a strap that flatlines after class.
    const watch = plan.devices.find((d) => d.kind === 'watch')!
    member = watch.memberId
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: watch.id, password: seed.secrets.get(watch.id)!, reconnectPeriod: 0 })
    const random = createRandom(1, 'night')
    // The night before the class's local day, whatever the time of day the test runs at: lights out at 22:00
    // the evening before, up to 7 hours, ending before the class. (A fixed "20 hours ago" put the night on
    // another day than the class when the suite ran just after midnight, and its RMSSD went unsummarised.)
    const lightsOut = localMidnightMs(localHour(startMs, 'Europe/London').date, 'Europe/London') - 2 * 3_600_000
    const night = simulateNight(random, Math.min(7, (startMs - lightsOut) / 3_600_000 - 0.25))
    const samples: Sample[] = []
    let run: { stage: (typeof night.epochs)[number]; start: number; n: number } | undefined
    night.epochs.forEach((stage, i) => {
      if (run && run.stage === stage) return void run.n++
      if (run) samples.push({ kind: 'sleep', t: run.start, stage: run.stage, dur_s: run.n * EPOCH_S })
      run = { stage, start: lightsOut + i * EPOCH_S * 1000, n: 1 }
    })
    samples.push({ kind: 'sleep', t: run!.start, stage: run!.stage, dur_s: run!.n * EPOCH_S })
    for (let s = 0; s < 600; s++) samples.push({ kind: 'hr', t: lightsOut + 3_600_000 + s * 1000, bpm: 52, rr_ms: [1150 + Math.round(40 * Math.sin(s / 2))] })
    // After class, the watch's HR sticks at one value for 30 s: a flatline anomaly.
    for (let s = 0; s < 30; s++) samples.push({ kind: 'hr', t: now - 4 * 60_000 + s * 1000, bpm: 97 })
    for (let i = 0; i < samples.length; i += 200) await client.publishAsync(deviceSamplesTopic(GYM, watch.id), encodePayload(samples.slice(i, i + 200)), { qos: 1 })
    // A malformed payload, so that the refused-input panel has a reason to show.
    await client.publishAsync(deviceSamplesTopic(GYM, watch.id), '{"v":1,', { qos: 1 })
    await client.endAsync()

    await until(() => ingest.log.backlogBytes === 0, 30_000)
    await until(() => analytics.engine.counters.anomalies > 0, 10_000)
    const registry = SqliteRegistry.open(registryPath)
    await registry.endSession('demo-class', now - 5 * 60_000)
    await registry.close()
    await new Promise((r) => setTimeout(r, 500)) // analytics reads the session's end from the change feed
    await analytics.rollupNow(now)
    await analytics.rollupDaysNow(now)
    await analytics.writeMetrics()
    await new Promise((r) => setTimeout(r, 600)) // two rounds of ingest's pipeline metrics
    await analytics.writeMetrics()
  }, 180_000)

  afterAll(async () => {
    await analytics?.close()
    await ingest?.close()
    await influx?.close()
  })

  it('the committed dashboard JSON is what the code builds (run npm run grafana:build)', async () => {
    for (const name of Object.keys(DASHBOARDS)) expect(await readFile(join(import.meta.dirname, '..', 'dashboards', `${name}.json`), 'utf8'), name).toBe(dashboardJson(name))
  })

  for (const name of Object.keys(DASHBOARDS)) {
    it(`every query of ${name} returns data of its panel's shape`, async () => {
      const board = JSON.parse(dashboardJson(name)) as { panels: Panel[]; templating?: { list: Array<{ name: string; query?: string; type: string }> }; annotations?: { list: Array<{ target?: Target }> } }
      // Pipeline health at its tightest zoom (5 minutes: the counters cover this test's run); the rest over 3 days
      // (last night's sleep, the class, the rollups).
      const range = name === 'pipeline-health' ? { fromMs: Date.now() - 5 * 60_000, toMs: Date.now() } : { fromMs: now - 3 * 86_400_000, toMs: now + 60_000 }
      const variables: Record<string, string> = { gym: GYM, member, goal: '10000' }
      // Template variables' own queries list the values the test then uses.
      for (const v of (board.templating?.list ?? []).filter((x) => x.type === 'query')) {
        const [res] = await influx.query(substitute(v.query!, range, variables))
        const values = (res?.series?.[0]?.values ?? []).map((row) => String(row[1]))
        expect(values, `variable ${v.name}`).toContain(variables[v.name])
      }
      const targets: Array<{ where: string; target: Target; interval?: string; type: string }> = []
      for (const p of board.panels.filter((x) => x.targets)) for (const t of p.targets!) targets.push({ where: `${p.title} ${t.refId}`, target: t, interval: p.interval, type: p.type })
      for (const a of board.annotations?.list ?? []) if (a.target) targets.push({ where: 'annotation', target: a.target, type: 'annotation' })
      expect(targets.length).toBeGreaterThan(3)
      for (const { where, target, interval, type } of targets) {
        const q = substitute(target.query, range, variables, interval)
        const [res] = await influx.query(q)
        const series = res?.series ?? []
        expect(series.length, `${name} / ${where}: ${q}`).toBeGreaterThan(0)
        const rows = series.flatMap((s) => s.values)
        const valueCells = rows.flatMap((r) => r.slice(1)).filter((v) => v !== null)
        expect(valueCells.length, `${name} / ${where}: only nulls`).toBeGreaterThan(0)
        expect(series[0]!.columns[0], `${name} / ${where}`).toBe('time')
        // A time series panel needs a time axis; a stat needs one number; a table or bar chart, rows.
        if (type === 'timeseries' || type === 'heatmap') expect(new Set(rows.map((r) => r[0])).size, `${name} / ${where}: one time`).toBeGreaterThanOrEqual(type === 'heatmap' ? 2 : 1)
        if (type === 'stat') expect(typeof valueCells[0], `${name} / ${where}`).toBe('number')
      }
    }, 60_000)
  }
})
