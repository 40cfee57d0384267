/**
 * Two dashboard instances, each on its own ingest node, one PostgreSQL registry, Redis between the nodes: a
 * coach who logged in on one instance opens the live socket on the other with the same session, and sees
 * the tiles analytics publishes on either node. An instance that is gone takes nothing with it: the session
 * and the class are there on the other.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import WebSocket from 'ws'
import mqtt from 'mqtt'
import { resolveDashboardOptions, startDashboard, SESSION_COOKIE, type DashboardServer } from '@pulseline/dashboard'
import type { IngestService } from '@pulseline/ingest'
import { PostgresRegistry } from '@pulseline/registry'
import { memberTopic } from '@pulseline/protocol'
import { freshDatabase } from '../setup/influx.js'
import { freshPostgresDatabase } from '../setup/postgres.js'
import { ingestOptions, startTestIngest, writeIdentities } from '../setup/ingest.js'
import { startRedis, type Engine } from './engines.js'

const GYM = 'chain-3'
const tile = (member: string, hr: number) =>
  JSON.stringify({
    member, gym: GYM, session: 'class-1', t: Date.now(), device: `strap-${member}`, hr, pctMax: 70, zone: 2, zoneLabel: 'Z2', hrMax: 190,
    kcal: 50, points: 5, trimp: 10, secondsInZone: [0, 60, 0, 0, 0, 0], rmssdMs: null, signal: 'ok', batteryPct: 90, anomalies: [], equipment: null,
  })

describe('dashboards as several instances', () => {
  let redis: Engine & { url: string }
  let registry: PostgresRegistry
  const nodes: IngestService[] = []
  const dashboards: DashboardServer[] = []

  beforeAll(async () => {
    redis = await startRedis()
    const registryUrl = await freshPostgresDatabase('dashboards')
    registry = await PostgresRegistry.open(registryUrl, { secretCost: { N: 1024, r: 8, p: 1 } })
    await registry.createGym({ id: GYM, name: 'Chain 3', timezone: 'UTC' })
    await registry.createUser({ id: 'coach', gymId: GYM, role: 'coach', displayName: 'Coach', login: 'coach' }, 'pw-coach-long')
    for (const m of ['ann', 'bob']) await registry.createUser({ id: m, gymId: GYM, role: 'member', displayName: m, login: null })
    const influx = await freshDatabase('dashboards')
    let identities = ''
    for (const name of ['node-a', 'node-b']) {
      const options = await ingestOptions(inject('influxUrl'), influx.options.database)
      identities ||= options.identities.file
      options.identities.file = identities
      options.cluster = { ...options.cluster, redisUrl: redis.url, nodeId: name }
      if (name === 'node-a')
        await writeIdentities(identities, [], [
          { id: 'analytics', secret: 'secret-analytics', subscribe: [], publish: ['pulseline/+/member/+/live'] },
          { id: 'dashboard', secret: 'secret-dashboard', subscribe: ['pulseline/+/member/+/live', 'pulseline/+/member/+/anomaly', 'pulseline/+/gateway/+/nearby'], publish: [] },
        ])
      nodes.push(await startTestIngest(options))
    }
    await influx.close()
    for (const node of nodes) {
      dashboards.push(
        await startDashboard(
          resolveDashboardOptions({
            http: { port: 0, loginAttemptsPerMinute: 100 },
            registry: { path: registryUrl },
            influx: { url: inject('influxUrl'), database: 'unused' },
            mqtt: { url: `mqtt://127.0.0.1:${node.mqttPort}`, username: 'dashboard', password: 'secret-dashboard', gyms: [GYM] },
          }),
        ),
      )
    }
  })
  afterAll(async () => {
    for (const d of dashboards) await d.close()
    for (const n of nodes) await n.close()
    await registry?.close()
    await redis?.stop()
  })

  it("serves a coach's session on every instance, with every member's tile whichever node it came through", async () => {
    const login = await fetch(`${dashboards[0]!.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'coach', password: 'pw-coach-long' }) })
    expect(login.status).toBe(200)
    const cookie = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(login.headers.get('set-cookie') ?? '')?.[1]
    expect(cookie).toBeTruthy()
    // The other instance knows the session: it is in the registry, not in the instance.
    const ws = new WebSocket(`${dashboards[1]!.url.replace('http', 'ws')}/api/live`, { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } })
    const tiles = new Map<string, number>()
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { type?: string; data?: { member: string; hr: number } }
      if (m.type === 'tile' && m.data) tiles.set(m.data.member, m.data.hr)
    })
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    ws.send(JSON.stringify({ op: 'subscribe', topic: `gym/${GYM}/class` }))
    // analytics publishes one member's tile through node A, the other's through node B.
    const publishers = await Promise.all(nodes.map((n) => mqtt.connectAsync(`mqtt://127.0.0.1:${n.mqttPort}`, { username: 'analytics', password: 'secret-analytics', reconnectPeriod: 0 })))
    await expect
      .poll(
        async () => {
          await publishers[0]!.publishAsync(memberTopic(GYM, 'ann', 'live'), tile('ann', 141))
          await publishers[1]!.publishAsync(memberTopic(GYM, 'bob', 'live'), tile('bob', 152))
          return Object.fromEntries(tiles)
        },
        { timeout: 10_000, interval: 300 },
      )
      .toEqual({ ann: 141, bob: 152 })
    ws.close()
    for (const p of publishers) await p.endAsync()
  })
})
