/**
 * analytics as two instances (child processes) splitting four gyms through Redis, on one PostgreSQL
 * registry and an ingest that tags samples with their members. One instance is SIGKILLed mid-class: the other
 * takes its gyms within the stated bound, and those members' tiles go on from where they were (calories and
 * time in zone keep growing from their values before the kill, not from zero), because the new owner rebuilds
 * the running session from InfluxDB.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { resolveAnalyticsOptions, ownerOf } from '@pulseline/analytics'
import { startIngest, type IngestService } from '@pulseline/ingest'
import { deviceSamplesTopic, encodePayload, type LiveTile } from '@pulseline/protocol'
import { PostgresRegistry } from '@pulseline/registry'
import { freshDatabase } from '../setup/influx.js'
import { freshPostgresDatabase } from '../setup/postgres.js'
import { ingestOptions, writeIdentities } from '../setup/ingest.js'
import { forkReady, stopChild } from '../setup/child.js'
import { startRedis, type Engine } from './engines.js'

const GYMS = ['g1', 'g2', 'g3', 'g4']
const INSTANCES = ['a1', 'a2']
const HEARTBEAT_MS = 250
const INSTANCE_TTL_MS = 1_500
/** analytics' InfluxDB timeout here: the rebuild's history query waits at most this for a busy InfluxDB. */
const INFLUX_TIMEOUT_MS = 10_000

describe('analytics as several instances', () => {
  let redis: Engine & { url: string }
  let ingest: IngestService
  let dir: string
  const children = new Map<string, ChildProcess>()
  const secrets = new Map<string, string>()
  let devices: MqttClient[] = []
  let watcher: MqttClient
  const tiles = new Map<string, LiveTile>()
  /** The class starts after the instances: an instance that takes a gym mid-class did not see its start. */
  let CLASS_START = 0
  let registry: PostgresRegistry

  beforeAll(async () => {
    redis = await startRedis()
    dir = await mkdtemp(join(tmpdir(), 'pl-analytics-cluster-'))
    const registryUrl = await freshPostgresDatabase('analytics')
    registry = await PostgresRegistry.open(registryUrl)
    for (const gym of GYMS) {
      await registry.createGym({ id: gym, name: gym, timezone: 'UTC' })
      await registry.createUser({ id: `m-${gym}`, gymId: gym, role: 'member', displayName: `m-${gym}`, login: null })
      await registry.setMemberProfile(`m-${gym}`, { birthYear: 1990, sex: 'female', weightKg: 62, restingHr: 55, maxHr: 190, maxHrMeasured: true })
      await registry.createDevice({ id: `strap-${gym}`, gymId: gym, kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
      secrets.set(gym, await registry.issueCredential(`strap-${gym}`))
    }
    const influx = await freshDatabase('analytics_cluster')
    // The class below runs in sample time some 60 times faster than the clock, and the survivor rebuilds a member
    // from what InfluxDB holds: ingest's default 200 ms linger would be 13 sample-seconds not yet written there
    // (at 1 Hz it is at most one reading), so the test ships as often as it did before that default.
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    options.writer.lingerMs = 20
    await influx.close()
    options.identities.registry = registryUrl
    options.identities.registryPollMs = 200
    await writeIdentities(options.identities.file, [], [
      { id: 'analytics', secret: 'secret-analytics', subscribe: ['pulseline/+/device/+/samples'], publish: ['pulseline/+/member/+/live', 'pulseline/+/member/+/anomaly'] },
      { id: 'watcher', secret: 'secret-watcher', subscribe: ['pulseline/+/member/+/live'], publish: [] },
    ])
    ingest = await startIngest(options, { logger: pino({ level: 'silent' }) })
    const mqttUrl = `mqtt://127.0.0.1:${ingest.mqttPort}`
    for (const instance of INSTANCES) {
      const config = join(dir, `${instance}.json`)
      await writeFile(
        config,
        JSON.stringify(
          resolveAnalyticsOptions({
            mqtt: { url: mqttUrl, username: 'analytics', password: 'secret-analytics', gyms: ['+'] },
            influx: { url: options.influx.url, database: options.influx.database, flushMs: 200, timeoutMs: INFLUX_TIMEOUT_MS },
            registry: { path: registryUrl, pollMs: 200 },
            live: { model: false, tickMs: 200 },
            cluster: { redisUrl: redis.url, instance, heartbeatMs: HEARTBEAT_MS, instanceTtlMs: INSTANCE_TTL_MS },
          }),
        ),
      )
      children.set(instance, await forkReady(fileURLToPath(new URL('../../analytics/src/main.ts', import.meta.url)), ['--config', config], { LOG_LEVEL: 'warn' }))
    }
    watcher = await mqtt.connectAsync(mqttUrl, { username: 'watcher', password: 'secret-watcher', reconnectPeriod: 0 })
    watcher.on('message', (_topic, payload) => {
      const tile = JSON.parse(payload.toString()) as LiveTile
      tiles.set(tile.member, tile)
    })
    await watcher.subscribeAsync('pulseline/+/member/+/live')
    devices = await Promise.all(GYMS.map((gym) => mqtt.connectAsync(mqttUrl, { username: `strap-${gym}`, password: secrets.get(gym)!, reconnectPeriod: 0 })))
    CLASS_START = Date.now()
    for (const gym of GYMS) {
      await registry.startSession({ id: `class-${gym}`, gymId: gym, coachUserId: null, title: 'Spin', startedMs: CLASS_START, endedMs: null })
      await registry.assign(`strap-${gym}`, `m-${gym}`, CLASS_START, `class-${gym}`)
    }
    await new Promise((r) => setTimeout(r, 1_000)) // ingest and analytics read the change feed every 200 ms
  }, 90_000)
  afterAll(async () => {
    for (const d of devices) await d.endAsync()
    await watcher?.endAsync()
    for (const child of children.values()) await stopChild(child)
    await ingest?.close()
    await registry?.close()
    await redis?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  /**
   * Each member's strap sends readings for seconds [from, to) of the class, 1 Hz in sample time, fast (ahead of
   * the clock, within ingest's 5 minutes), and goes on past `to` while `more()` says so.
   */
  async function stream(from: number, to: number, more: () => boolean = () => false): Promise<number> {
    let s = from
    for (; s < to || (more() && s < 280); s++) {
      await Promise.all(GYMS.map((gym, i) => devices[i]!.publishAsync(deviceSamplesTopic(gym, `strap-${gym}`), encodePayload([{ kind: 'hr', t: CLASS_START + s * 1000, bpm: 150 + (s % 7) }]), { qos: 1 })))
      await new Promise((r) => setTimeout(r, 15))
    }
    return s
  }
  const tileAt = (gym: string, s: number) => tiles.get(`m-${gym}`)?.t === CLASS_START + s * 1000
  const secondsInZones = (gym: string) => tiles.get(`m-${gym}`)!.secondsInZone.reduce((a, b) => a + b, 0)

  it("takes a dead instance's gyms within the bound, and its members' effort goes on from where it was", async () => {
    await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 3)) // both instances have looked at each other
    await stream(0, 60)
    await expect.poll(() => GYMS.every((g) => tileAt(g, 59)), { timeout: 15_000 }).toBe(true)
    const before = new Map(GYMS.map((g) => [g, { kcal: tiles.get(`m-${g}`)!.kcal, seconds: secondsInZones(g) }]))
    for (const g of GYMS) expect(before.get(g)!.kcal).toBeGreaterThan(0)

    // The instance that owns more gyms dies, without a word.
    const owners = new Map(GYMS.map((g) => [g, ownerOf(g, INSTANCES)!]))
    const victim = INSTANCES.reduce((a, b) => (GYMS.filter((g) => owners.get(g) === a).length >= GYMS.filter((g) => owners.get(g) === b).length ? a : b))
    const orphaned = GYMS.filter((g) => owners.get(g) === victim)
    expect(orphaned.length).toBeGreaterThan(0)
    const killedAt = Date.now()
    children.get(victim)!.kill('SIGKILL')
    children.delete(victim)

    // The class goes on; what the dead instance's gyms send before the survivor takes them is in InfluxDB.
    // It goes on until the survivor's tiles are seen, however long a busy machine makes that.
    let firstTileMs = 0
    const resumed = () => orphaned.every((g) => (tiles.get(`m-${g}`)?.t ?? 0) > CLASS_START + 60_000)
    const streaming = stream(60, 150, () => !resumed())
    await expect.poll(resumed, { timeout: 40_000, interval: 50 }).toBe(true)
    firstTileMs = Date.now() - killedAt
    const last = (await streaming) - 1
    await expect.poll(() => GYMS.every((g) => tileAt(g, last)), { timeout: 15_000 }).toBe(true)
    for (const g of GYMS) {
      const after = tiles.get(`m-${g}`)!
      // 150 s of class at 150 bpm: the time in zones counts all of it, and calories grew from their value.
      expect(secondsInZones(g), g).toBeGreaterThanOrEqual(140)
      expect(after.kcal, g).toBeGreaterThan(before.get(g)!.kcal * 2)
    }
    console.log(`analytics takeover: ${orphaned.length} gyms, first tile from the survivor ${firstTileMs} ms after the kill`)
    // The bound: the dead instance's key expires (INSTANCE_TTL_MS), the survivor's next look takes its gyms
    // (HEARTBEAT_MS), and the first reading after that rebuilds the session from InfluxDB (at most
    // INFLUX_TIMEOUT_MS), with 3 s for a machine running the whole suite. Alone it takes about 1.6 s.
    expect(firstTileMs).toBeLessThan(INSTANCE_TTL_MS + HEARTBEAT_MS + INFLUX_TIMEOUT_MS + 3_000)
  }, 150_000)
})
