/**
 * analytics as a service, on real parts: the Aedes broker in ingest over TCP, a real InfluxDB, a registry
 * file. A strap assigned in a class streams; the member's tiles arrive with the zone the pure maths gives;
 * a dropout raises one anomaly on MQTT and in InfluxDB; rollups and the class summary land in InfluxDB;
 * and a restart mid-class carries the session's accumulators on (rebuilt from InfluxDB).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { startIngest, type IngestService } from '@pulseline/ingest'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { SqliteRegistry } from '@pulseline/registry'
import { pino } from 'pino'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions, writeIdentities } from '../../test/setup/ingest.js'
import { resolveAnalyticsOptions, startAnalytics, type AnalyticsService } from '../src/index.js'
import { zoneEdges } from '../src/zones/zone-models.js'
import type { LiveTile } from '../src/live/member-live.js'

const GYM = 'gym-a'
const SERVICE_SECRET = 'analytics-secret-for-tests'

describe('analytics service', () => {
  let influx: InfluxClient
  let ingest: IngestService
  let registry: SqliteRegistry
  let registryPath: string
  let analytics: AnalyticsService
  let strap: MqttClient
  let watcher: MqttClient
  const tiles: LiveTile[] = []
  const anomalies: Array<{ type: string; member: string }> = []
  const sessionStart = Date.now() - 20 * 60_000
  let clock = sessionStart + 60_000

  const analyticsOptions = () =>
    resolveAnalyticsOptions({
      mqtt: { url: `mqtt://127.0.0.1:${ingest.mqttPort}`, username: 'analytics', password: SERVICE_SECRET, gyms: [GYM] },
      influx: { url: inject('influxUrl'), database: influx.options.database, flushMs: 100 },
      registry: { path: registryPath, pollMs: 100 },
      live: { tickMs: 200, model: true },
      rollups: { everyMs: 3_600_000, dailyEveryMs: 3_600_000, lookbackMs: 30 * 60_000 },
    })

  /** Sends `seconds` of 1 Hz HR at `bpm`, with the sample clock running 20 minutes behind the wall clock. */
  async function stream(seconds: number, bpm: (i: number) => number): Promise<void> {
    for (let i = 0; i < seconds; i++) {
      clock += 1000
      await strap.publishAsync(deviceSamplesTopic(GYM, 'pool-strap'), encodePayload([{ kind: 'hr', t: clock, bpm: Math.round(bpm(i)) }]), { qos: 1 })
    }
  }

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pl-analytics-'))
    registryPath = join(dir, 'registry.sqlite')
    registry = SqliteRegistry.open(registryPath, { secretCost: { N: 1024, r: 8, p: 1 } })
    await registry.createGym({ id: GYM, name: 'A', timezone: 'Europe/Berlin' })
    await registry.createUser({ id: 'coach', gymId: GYM, role: 'coach', displayName: 'Coach', login: null })
    await registry.createUser({ id: 'ann', gymId: GYM, role: 'member', displayName: 'Ann', login: null })
    await registry.setMemberProfile('ann', { birthYear: new Date().getUTCFullYear() - 30, sex: 'female', weightKg: 60, restingHr: 55, maxHr: 190, maxHrMeasured: true })
    await registry.createDevice({ id: 'pool-strap', gymId: GYM, kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
    const strapSecret = await registry.issueCredential('pool-strap')
    await registry.startSession({ id: 'class-1', gymId: GYM, coachUserId: 'coach', title: 'Intervals', startedMs: sessionStart, endedMs: null })
    await registry.assign('pool-strap', 'ann', sessionStart, 'class-1')

    influx = await freshDatabase('analytics')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    await writeIdentities(options.identities.file, [], [{ id: 'analytics', secret: SERVICE_SECRET, subscribe: ['pulseline/+/device/+/samples', 'pulseline/+/member/#'], publish: ['pulseline/+/member/#'] }])
    options.identities.registry = registryPath
    ingest = await startIngest(options, { logger: pino({ level: 'silent' }) })
    analytics = await startAnalytics(analyticsOptions())
    watcher = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'analytics', password: SERVICE_SECRET, clientId: 'analytics@watcher', reconnectPeriod: 0 })
    watcher.on('message', (topic, payload) => {
      if (topic.endsWith('/live')) tiles.push(JSON.parse(payload.toString()))
      if (topic.endsWith('/anomaly')) anomalies.push(JSON.parse(payload.toString()))
    })
    await watcher.subscribeAsync(`pulseline/${GYM}/member/+/+`)
    strap = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'pool-strap', password: strapSecret, reconnectPeriod: 0 })
  }, 60_000)

  afterAll(async () => {
    await strap?.endAsync()
    await watcher?.endAsync()
    await analytics?.close()
    await ingest?.close()
    await influx?.close()
    await registry?.close()
  })

  it('publishes a tile per reading with the zone, %HRmax and effort the maths gives', async () => {
    await stream(90, (i) => 150 + 2 * Math.sin(i / 4))
    await expect.poll(() => tiles.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(90)
    const last = tiles.at(-1)!
    expect(last.member).toBe('ann')
    expect(last.session).toBe('class-1')
    expect(last.hrMax).toBe(190)
    expect(last.pctMax).toBe(Math.round((100 * last.hr) / 190))
    // 150 bpm of 190 is 79 %: zone 3 of the %HRmax model (edges 95/114/133/152/171)
    expect(zoneEdges('percent_max', { hrMax: 190 })).toEqual([95, 114, 133, 152, 171])
    expect(last.zone).toBe(3)
    expect(last.zoneLabel).toBe('Aerobic')
    expect(last.secondsInZone[3]).toBeGreaterThanOrEqual(85)
    expect(last.kcal).toBeGreaterThan(0)
    expect(last.points).toBeCloseTo((last.secondsInZone[3]! / 60) * 3 + (last.secondsInZone[2]! / 60) * 2 + (last.secondsInZone[1]! / 60), 0)
    expect(last.anomalies).toEqual([])
  })

  it('a dropout raises one anomaly, on MQTT and in InfluxDB, and shows on the tile', async () => {
    // The stream stops; the wall clock keeps running (the detector checks silence every tick).
    clock = Date.now() - 1000
    await stream(5, () => 150)
    await expect.poll(() => anomalies.filter((a) => a.type === 'dropout').length, { timeout: 15_000 }).toBe(1)
    expect(anomalies.find((a) => a.type === 'dropout')!.member).toBe('ann')
    await expect.poll(() => tiles.at(-1)!.signal, { timeout: 5_000 }).toBe('dropout')
    await expect
      .poll(async () => rowsOf(await influx.query(`SELECT * FROM anomaly WHERE "type" = 'dropout'`)).map((r) => [r.member, r.device, r.severity]), { timeout: 10_000 })
      .toEqual([['ann', 'pool-strap', 'alert']])
  })

  it('carries the session on across a restart, rebuilt from InfluxDB', async () => {
    const before = tiles.at(-1)!
    await analytics.close()
    analytics = await startAnalytics(analyticsOptions())
    await stream(3, () => 150)
    await expect.poll(() => tiles.at(-1)!.t, { timeout: 10_000 }).toBe(clock)
    const after = tiles.at(-1)!
    expect(analytics.engine.counters.rebuilt).toBe(1)
    expect(after.kcal).toBeGreaterThanOrEqual(before.kcal)
    expect(after.secondsInZone[3]).toBeGreaterThanOrEqual(before.secondsInZone[3]!)
  }, 30_000)

  it('writes the effort series, 1-minute rollups and, when the class ends, its summary', async () => {
    await registry.endSession('class-1', Date.now())
    await new Promise((r) => setTimeout(r, 500)) // the change feed brings the end to analytics
    await analytics.rollupNow(Date.now() + 60_000)
    expect(analytics.lines.failures).toBe(0)
    const effort = rowsOf(await influx.query(`SELECT * FROM effort WHERE "member" = 'ann'`))
    expect(effort.length).toBeGreaterThanOrEqual(3) // one point per member per tick, at most
    expect(effort.every((r) => r.session === 'class-1')).toBe(true)
    const minutes = rowsOf(await influx.query(`SELECT * FROM hr_1m WHERE "member" = 'ann'`))
    expect(minutes.reduce((n, r) => n + (r.n as number), 0)).toBe(98)
    // Idempotent: a second pass writes the same points, not more.
    await analytics.rollupNow(Date.now() + 60_000)
    expect(rowsOf(await influx.query(`SELECT * FROM hr_1m WHERE "member" = 'ann'`))).toHaveLength(minutes.length)
    const [summary] = rowsOf(await influx.query(`SELECT * FROM session_summary WHERE "session" = 'class-1'`))
    expect(summary!.member).toBe('ann')
    expect(summary!.max_hr).toBeGreaterThanOrEqual(150)
    expect(summary!.kcal).toBeGreaterThan(0)
  }, 30_000)

  it('forgets an erased member within a poll of the change feed, and makes no tile of hers after', async () => {
    // The class is over: she wears the strap again, outside a class, and her tiles flow.
    await registry.assign('pool-strap', 'ann', clock + 1)
    await new Promise((r) => setTimeout(r, 300))
    const before = tiles.length
    await stream(2, () => 140)
    await expect.poll(() => tiles.length, { timeout: 5000 }).toBe(before + 2)
    expect(analytics.engine.activeMembers).toBeGreaterThan(0)
    await registry.eraseUser('ann', 'ann')
    await expect.poll(() => analytics.engine.activeMembers, { timeout: 5000 }).toBe(0)
    const seen = tiles.length
    await stream(3, () => 140)
    await new Promise((r) => setTimeout(r, 500))
    expect(tiles.length).toBe(seen)
    expect(analytics.engine.activeMembers).toBe(0)
  }, 30_000)
})
