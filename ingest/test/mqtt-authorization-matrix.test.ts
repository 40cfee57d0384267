/**
 * The MQTT authorization matrix, over real MQTT against a real ingest: every identity kind (device,
 * gateway, service, each in two gyms where that means something, and registry devices named to collide
 * with the services) × every topic family × publish and subscribe. The expected verdicts are written out
 * by hand below, as the HTTP matrix's are: a new identity kind or topic family without an expectation
 * fails the test.
 *
 * A publish is allowed when it is acknowledged (PUBACK) and refused when the broker closes the connection
 * (MQTT 3.1.1 has no negative PUBACK); a subscription is allowed when SUBACK grants it and refused with
 * 0x80. Then the things that are not topics: logins that collide, client ids and persistent sessions that
 * belong to someone else, retained and QoS 2 publishes, and delivery re-checked when an ACL narrows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import { SqliteRegistry } from '@pulseline/registry'
import { encodePayload } from '@pulseline/protocol'
import { startIngest, type IngestService } from '@pulseline/ingest'
import { SERVICE_ACLS } from '../../scripts/demo/seed.js'
import { freshDatabase } from '../../test/setup/influx.js'
import { TEST_COST, hashSecret, ingestOptions } from '../../test/setup/ingest.js'
import { inject } from 'vitest'

type Who = 'deviceA' | 'deviceB' | 'gatewayA' | 'gatewayB' | 'analytics' | 'dashboard'

/** Topics by family; A-side entities live in gym-a, B-side in gym-b. */
const TOPICS = {
  ownSamples: 'pulseline/gym-a/device/strap-a/samples',
  sameGymDeviceSamples: 'pulseline/gym-a/device/strap-a2/samples',
  otherGymSamples: 'pulseline/gym-b/device/strap-b/samples',
  unregisteredDeviceSamples: 'pulseline/gym-a/device/nobody/samples',
  gatewayClaims: 'pulseline/gym-a/gateway/gw-a/claims',
  gatewayNearby: 'pulseline/gym-a/gateway/gw-a/nearby',
  gatewayHealth: 'pulseline/gym-a/gateway/gw-a/health',
  gatewayOther: 'pulseline/gym-a/gateway/gw-a/anything',
  otherGatewayClaims: 'pulseline/gym-a/gateway/gw-a2/claims',
  otherGymGatewayClaims: 'pulseline/gym-b/gateway/gw-b/claims',
  deviceList: 'pulseline/gym-a/devices',
  otherGymDeviceList: 'pulseline/gym-b/devices',
  erasures: 'pulseline/gym-a/erasures',
  otherGymErasures: 'pulseline/gym-b/erasures',
  memberLive: 'pulseline/gym-a/member/m1/live',
  memberAnomaly: 'pulseline/gym-a/member/m1/anomaly',
  rejected: '$pulseline/rejected/strap-a',
  sys: '$SYS/broker/uptime',
} as const
type Topic = keyof typeof TOPICS

/** Subscription filters beyond the concrete topics. */
const FILTERS = {
  allSamples: 'pulseline/+/device/+/samples',
  gymSamples: 'pulseline/gym-a/device/+/samples',
  gymClaims: 'pulseline/gym-a/gateway/+/claims',
  allClaims: 'pulseline/+/gateway/+/claims',
  allLive: 'pulseline/+/member/+/live',
  allNearby: 'pulseline/+/gateway/+/nearby',
  everything: '#',
  pulseline: 'pulseline/#',
  allSys: '$SYS/#',
  allRejected: '$pulseline/rejected/#',
} as const
type Filter = keyof typeof FILTERS

// Who may publish where. Gateway B publishes for gym-b only, so its row names gym-b topics it is not in this table for.
const PUBLISH: Record<Who, Topic[]> = {
  deviceA: ['ownSamples'],
  deviceB: ['otherGymSamples'],
  gatewayA: ['ownSamples', 'sameGymDeviceSamples', 'gatewayClaims', 'gatewayNearby', 'gatewayHealth'],
  gatewayB: ['otherGymSamples', 'otherGymGatewayClaims'],
  analytics: ['memberLive', 'memberAnomaly'],
  dashboard: [],
}

const SUBSCRIBE: Record<Who, Array<Topic | Filter>> = {
  deviceA: [],
  deviceB: [],
  gatewayA: ['gatewayClaims', 'otherGatewayClaims', 'gymClaims', 'deviceList', 'erasures'],
  gatewayB: ['otherGymGatewayClaims', 'otherGymDeviceList', 'otherGymErasures'],
  analytics: ['ownSamples', 'sameGymDeviceSamples', 'otherGymSamples', 'unregisteredDeviceSamples', 'allSamples', 'gymSamples'],
  dashboard: ['memberLive', 'memberAnomaly', 'gatewayNearby', 'allLive', 'allNearby'],
}

const payloadFor = (topic: string) =>
  topic.endsWith('/samples') ? encodePayload([{ kind: 'hr', t: Date.now() - 1000, bpm: 70 }]) : Buffer.from(JSON.stringify({ at: Date.now(), devices: [] }))

describe('MQTT authorization matrix', () => {
  let service: IngestService
  let registry: SqliteRegistry
  let identitiesPath: string
  const secrets = new Map<string, string>()
  const usernames: Record<Who, string> = { deviceA: 'strap-a', deviceB: 'strap-b', gatewayA: 'gw-a', gatewayB: 'gw-b', analytics: 'analytics', dashboard: 'dashboard' }
  const url = () => `mqtt://127.0.0.1:${service.mqttPort}`
  const connect = (who: Who | string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> => {
    const username = who in usernames ? usernames[who as Who] : who
    return mqtt.connectAsync(url(), { username, password: secrets.get(username), reconnectPeriod: 0, ...extra })
  }
  const writeServices = async (acls: typeof SERVICE_ACLS | Record<string, { subscribe: readonly string[]; publish: readonly string[] }>) =>
    writeFile(
      identitiesPath,
      JSON.stringify({
        devices: [],
        services: Object.entries(acls).map(([id, acl]) => ({ id, secretHash: hashes.get(id)!, subscribe: [...acl.subscribe], publish: [...acl.publish] })),
      }),
    )
  const hashes = new Map<string, string>()

  beforeAll(async () => {
    registry = SqliteRegistry.open(':memory:', { secretCost: TEST_COST })
    for (const gym of ['gym-a', 'gym-b']) await registry.createGym({ id: gym, name: gym, timezone: 'UTC' })
    const devices: Array<[string, string, 'strap' | 'gateway']> = [
      ['strap-a', 'gym-a', 'strap'],
      ['strap-a2', 'gym-a', 'strap'],
      ['strap-b', 'gym-b', 'strap'],
      ['gw-a', 'gym-a', 'gateway'],
      ['gw-a2', 'gym-a', 'gateway'],
      ['gw-b', 'gym-b', 'gateway'],
      // Named to collide with the services: a gym admin may create these through the REST API.
      ['analytics', 'gym-a', 'strap'],
      ['dashboard', 'gym-b', 'gateway'],
    ]
    for (const [id, gymId, kind] of devices) {
      await registry.createDevice({ id, gymId, kind, address: null, serial: null, ownerUserId: null, pool: kind === 'strap' })
      secrets.set(`registry:${id}`, await registry.issueCredential(id))
      if (!['analytics', 'dashboard'].includes(id)) secrets.set(id, secrets.get(`registry:${id}`)!)
    }
    secrets.set('analytics', 'analytics-secret-0123456789')
    secrets.set('dashboard', 'dashboard-secret-0123456789')
    const influx = await freshDatabase('acl')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    identitiesPath = options.identities.file
    // Hashed once: a rewrite of the file with the same hashes changes ACLs without revoking anyone.
    for (const id of ['analytics', 'dashboard']) hashes.set(id, await hashSecret(secrets.get(id)!, TEST_COST))
    await writeServices(SERVICE_ACLS)
    options.identities.registryPollMs = 100
    service = await startIngest(options, { registry, logger: pino({ level: 'silent' }) })
  })
  afterAll(async () => {
    await service?.close()
    await registry?.close()
  })

  const whos = Object.keys(usernames) as Who[]
  const publishCases = whos.flatMap((who) => (Object.keys(TOPICS) as Topic[]).map((topic) => [who, topic, PUBLISH[who].includes(topic)] as const))
  it.each(publishCases)('%s publishing to %s: allowed %s', async (who, topic, allowed) => {
    const client = await connect(who)
    const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')))
    const acked = client.publishAsync(TOPICS[topic], payloadFor(TOPICS[topic]), { qos: 1 }).then(
      () => 'acked' as const,
      () => 'closed' as const,
    )
    expect(await Promise.race([acked, closed])).toBe(allowed ? 'acked' : 'closed')
    client.end(true)
  })

  const subscribeCases = whos.flatMap((who) =>
    [...(Object.keys(TOPICS) as Topic[]), ...(Object.keys(FILTERS) as Filter[])].map((name) => [who, name, SUBSCRIBE[who].includes(name)] as const),
  )
  it.each(subscribeCases)('%s subscribing to %s: allowed %s', async (who, name, allowed) => {
    const client = await connect(who)
    const filter = name in TOPICS ? TOPICS[name as Topic] : FILTERS[name as Filter]
    const granted = await client.subscribeAsync(filter, { qos: 1 }).then(
      (g) => g[0]!.qos,
      () => 128,
    )
    expect(granted === 128 ? 'refused' : 'granted').toBe(allowed ? 'granted' : 'refused')
    await client.endAsync()
  })

  it('every identity and every topic family has an expectation', () => {
    expect(Object.keys(PUBLISH).sort()).toEqual([...whos].sort())
    expect(Object.keys(SUBSCRIBE).sort()).toEqual([...whos].sort())
    // Every allowed entry names a real topic or filter (a typo would make the matrix vacuous).
    for (const list of [...Object.values(PUBLISH), ...Object.values(SUBSCRIBE)]) for (const name of list) expect(name in TOPICS || name in FILTERS).toBe(true)
  })

  it('a registry device named like a service can neither log in as it nor as itself', async () => {
    for (const name of ['analytics', 'dashboard']) {
      await expect(connect(name, { password: secrets.get(`registry:${name}`) })).rejects.toThrow(/Bad username or password/i)
    }
    // ... and the service itself still logs in, with its own client ids.
    const real = await connect('analytics', { clientId: 'analytics@all', clean: false })
    expect(real.connected).toBe(true)
    await real.endAsync()
  })

  it("refuses another identity's client ids, and a persistent session to anyone but its creator", async () => {
    // A service's client ids are the service's: no device or gateway can take analytics' session.
    for (const [who, clientId] of [
      ['deviceA', 'analytics@all'],
      ['gatewayA', 'analytics'],
      ['deviceA', 'dashboard@1234'],
      ['deviceB', 'gw-a@gateway'],
      ['gatewayB', 'strap-a'],
    ] as const) {
      await expect(connect(who, { clientId, clean: false })).rejects.toThrow(/Identifier rejected/i)
    }
    // A free-form client id with a persistent session: resumed by its creator only.
    const first = await connect('deviceA', { clientId: 'phone-app-persistent', clean: false })
    await first.endAsync()
    await expect(connect('deviceB', { clientId: 'phone-app-persistent', clean: false })).rejects.toThrow(/Identifier rejected/i)
    const again = await connect('deviceA', { clientId: 'phone-app-persistent', clean: false })
    expect(again.connected).toBe(true)
    await again.endAsync()
    const text = await service.metrics.registry.metrics()
    expect(text).toContain('pulseline_ingest_rejected_total{reason="PL_CLIENT_ID_NOT_OWN"} 5')
    expect(text).toContain('pulseline_ingest_rejected_total{reason="PL_SESSION_NOT_OWN"} 1')
  })

  it('refuses QoS 2 from anyone, and retained messages anywhere but a gateway\'s own claims', async () => {
    const refused = async (who: Who, topic: string, opts: { qos: 0 | 1 | 2; retain?: boolean }) => {
      const client = await connect(who)
      const closed = new Promise<'closed'>((resolve) => client.once('close', () => resolve('closed')))
      const done = client.publishAsync(topic, payloadFor(topic), opts).then(
        () => 'acked' as const,
        () => 'closed' as const,
      )
      const outcome = await Promise.race([done, closed])
      client.end(true)
      return outcome
    }
    expect(await refused('deviceA', TOPICS.ownSamples, { qos: 2 })).toBe('closed')
    expect(await refused('analytics', TOPICS.memberLive, { qos: 2 })).toBe('closed')
    expect(await refused('analytics', TOPICS.memberLive, { qos: 1, retain: true })).toBe('closed')
    expect(await refused('gatewayA', TOPICS.gatewayNearby, { qos: 1, retain: true })).toBe('closed')
    expect(await refused('gatewayA', TOPICS.gatewayClaims, { qos: 1, retain: true })).toBe('acked')
    const text = await service.metrics.registry.metrics()
    expect(text).toContain('pulseline_ingest_rejected_total{reason="PL_QOS_UNSUPPORTED"} 2')
    expect(text).toContain('pulseline_ingest_rejected_total{reason="PL_RETAIN_REFUSED"} 2')
    // A device's retain flag is dropped, not refused: the sample is stored, never kept as retained.
    expect(await refused('deviceA', TOPICS.ownSamples, { qos: 1, retain: true })).toBe('acked')
    const late = await connect('analytics')
    const got: string[] = []
    late.on('message', (topic) => got.push(topic))
    await late.subscribeAsync(TOPICS.ownSamples, { qos: 1 })
    await new Promise((r) => setTimeout(r, 200))
    expect(got).toEqual([])
    await late.endAsync()
  })

  it('re-checks every delivery: a subscription stops receiving when the ACL behind it narrows', async () => {
    const dashboard = await connect('dashboard')
    const got: string[] = []
    dashboard.on('message', (topic) => got.push(topic))
    await dashboard.subscribeAsync(FILTERS.allNearby, { qos: 0 })
    const gateway = await connect('gatewayA')
    await gateway.publishAsync(TOPICS.gatewayNearby, payloadFor(TOPICS.gatewayNearby), { qos: 1 })
    await expect.poll(() => got.length, { timeout: 2000 }).toBe(1)
    // The operator takes nearby lists away from the dashboard (same secret: no revocation, no reconnect).
    await writeServices({ ...SERVICE_ACLS, dashboard: { subscribe: ['pulseline/+/member/+/live'], publish: [] } })
    await new Promise((r) => setTimeout(r, 400)) // the file watcher's debounce
    await gateway.publishAsync(TOPICS.gatewayNearby, payloadFor(TOPICS.gatewayNearby), { qos: 1 })
    await new Promise((r) => setTimeout(r, 300))
    expect(got.length).toBe(1)
    expect(dashboard.connected).toBe(true)
    await writeServices(SERVICE_ACLS)
    await gateway.endAsync()
    await dashboard.endAsync()
  })
})
