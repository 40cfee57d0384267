/**
 * The Prometheus side of the alerts: the generated files are what the code builds; `promtool` accepts the
 * rules and passes the hand-written unit tests; every metric a rule (Prometheus or Grafana) names is one a
 * service really exports; and a real Prometheus (Debian's) scraping a running ingest fires
 * PulselineDeadLetters once a device sends garbage, and nothing else.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile, copyFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import mqtt from 'mqtt'
import { ensureDebianBinary, freePort } from '@pulseline/influx'
import { spawnTied, stopChild } from '@pulseline/config'
import { startIngest, type IngestService } from '@pulseline/ingest'
import { World } from './service-metrics.js'
import { GatewayMetrics } from '@pulseline/gateway'
import { deviceSamplesTopic } from '@pulseline/protocol'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions, writeIdentities } from '../../test/setup/ingest.js'
import { ALERTS, ALERT_FILES, SERVICE_DOWN, runbook } from '../src/alerts/index.js'
import type { ChildProcess } from 'node:child_process'
import { pino } from 'pino'

const run = promisify(execFile)
const root = new URL('../../', import.meta.url).pathname
const say = (line: string) => console.log(`[prometheus test] ${line}`)

describe('alert files', () => {
  it('are what grafana/src/alerts builds, and so is the README runbook (npm run grafana:build)', async () => {
    for (const [path, text] of Object.entries(ALERT_FILES)) expect(await readFile(join(root, 'grafana', path), 'utf8'), path).toBe(text())
    const readme = await readFile(join(root, 'README.md'), 'utf8')
    expect(readme).toContain(`<!-- alerts:begin -->\n${runbook()}\n<!-- alerts:end -->`)
  })

  it('name only metrics the services export', async () => {
    const world = new World()
    const registries = [world.ingest.registry, world.analytics, new GatewayMetrics({ outboxDepth: () => 0, dropped: () => 0, connected: () => 0 }).registry]
    const exported = new Set<string>()
    for (const r of registries) {
      for (const m of await r.getMetricsAsJSON()) {
        exported.add(m.name)
        if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(m.name + suffix)
      }
    }
    const named = new Set<string>()
    for (const a of [...ALERTS, SERVICE_DOWN]) for (const m of a.prometheus.matchAll(/\b(pulseline_[a-z_]+)/g)) named.add(m[1]!)
    for (const a of ALERTS) for (const q of a.grafana.queries) for (const m of q.influxql.matchAll(/'(pulseline_[a-z_]+)'/g)) named.add(m[1]!)
    expect(named.size).toBeGreaterThanOrEqual(8)
    expect([...named].filter((n) => !exported.has(n))).toEqual([])
  })
})

describe('promtool', () => {
  let promtool = ''
  beforeAll(() => {
    promtool = ensureDebianBinary('promtool', 'prometheus', true, say)
  })

  it('checks the rules and the scrape configuration', async () => {
    const rules = await run(promtool, ['check', 'rules', 'grafana/prometheus/pulseline.rules.yml'], { cwd: root })
    expect(rules.stdout).toMatch(new RegExp(`SUCCESS: ${ALERTS.length + 1} rules found`))
    await run(promtool, ['check', 'config', 'grafana/prometheus/prometheus.yml'], { cwd: root })
  })

  it('passes the unit tests: each alert fires on its fault and not on a healthy series', async () => {
    const { stdout } = await run(promtool, ['test', 'rules', 'pulseline.rules.test.yml'], { cwd: join(root, 'grafana/prometheus') })
    expect(stdout).toContain('SUCCESS')
  })
})

describe('a real Prometheus scraping a running ingest', () => {
  let ingest: IngestService
  let prometheus: ChildProcess | undefined
  let dir = ''
  let api = ''

  beforeAll(async () => {
    const binary = ensureDebianBinary('prometheus', 'prometheus', true, say)
    dir = await mkdtemp(join(tmpdir(), 'pl-prometheus-'))
    const influx = await freshDatabase('prometheus')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    await writeIdentities(options.identities.file, [{ id: 'strap-1', gym: 'gym-p', kind: 'strap', secret: 'strap-secret' }])
    ingest = await startIngest(options, { logger: pino({ level: 'silent' }) })
    await copyFile(join(root, 'grafana/prometheus/pulseline.rules.yml'), join(dir, 'pulseline.rules.yml'))
    await writeFile(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        'rule_files: [pulseline.rules.yml]',
        'scrape_configs:',
        `  - { job_name: pulseline-ingest, static_configs: [{ targets: ['127.0.0.1:${ingest.httpPort}'] }] }`,
        '',
      ].join('\n'),
    )
    const port = await freePort()
    api = `http://127.0.0.1:${port}/api/v1`
    prometheus = spawnTied(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' })
    await vi.waitFor(async () => expect((await targets()).some((t) => t.health === 'up'), 'Prometheus to scrape ingest').toBe(true), { timeout: 30_000, interval: 50 })
  }, 60_000)

  afterAll(async () => {
    if (prometheus) await stopChild(prometheus)
    await ingest?.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function targets(): Promise<Array<{ health: string }>> {
    const res = await fetch(`${api}/targets`).catch(() => undefined)
    if (!res?.ok) return []
    return ((await res.json()) as { data: { activeTargets: Array<{ health: string }> } }).data.activeTargets
  }

  async function alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>> {
    const res = await fetch(`${api}/alerts`)
    return ((await res.json()) as { data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }).data.alerts
  }

  it('fires PulselineDeadLetters when a device sends garbage, and no other alert', async () => {
    // Healthy for a few evaluations first: nothing fires.
    await new Promise((r) => setTimeout(r, 3000))
    expect(await alerts()).toEqual([])
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'strap-1', password: 'strap-secret', clientId: 'strap-1', reconnectPeriod: 0 })
    await device.publishAsync(deviceSamplesTopic('gym-p', 'strap-1'), 'not json', { qos: 1 })
    await device.endAsync()
    await vi.waitFor(async () => expect((await alerts()).some((a) => a.labels.alertname === 'PulselineDeadLetters' && a.state === 'firing'), 'PulselineDeadLetters to fire').toBe(true), { timeout: 30_000, interval: 50 })
    const firing = await alerts()
    expect(firing.map((a) => a.labels.alertname)).toEqual(['PulselineDeadLetters'])
    expect(firing[0]!.labels).toMatchObject({ job: 'pulseline-ingest', severity: 'ticket' })
  }, 60_000)
})
