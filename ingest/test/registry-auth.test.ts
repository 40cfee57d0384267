/**
 * ingest on the registry: devices log in with registry-issued credentials, a rotation in the registry
 * disconnects the live client within seconds, and each sample carries the member whose assignment
 * covered the sample's time, checked in a real InfluxDB. On SQLite (the registry handed to ingest) and on
 * PostgreSQL (ingest opens it by URL, as a second node would: the test writes through its own connection,
 * and ingest learns of every change through the change feed alone).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import mqtt from 'mqtt'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import type { IngestService } from '@pulseline/ingest'
import { deviceSamplesTopic, encodePayload, gymDevicesTopic } from '@pulseline/protocol'
import type { Registry } from '@pulseline/registry'
import { REGISTRY_ENGINES } from '../../test/setup/registries.js'
import { pino } from 'pino'
import { startIngest } from '@pulseline/ingest'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions } from '../../test/setup/ingest.js'

describe.each(REGISTRY_ENGINES)('ingest with the registry on $engine', (engine) => {
  let influx: InfluxClient
  let service: IngestService
  let registry: Registry
  let secret: string
  const url = () => `mqtt://127.0.0.1:${service.mqttPort}`

  beforeAll(async () => {
    registry = await engine.open()
    await registry.createGym({ id: 'gym-r', name: 'R', timezone: 'UTC' })
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'gym-r', role: 'member', displayName: id, login: null })
    await registry.createDevice({ id: 'pool-strap-1', gymId: 'gym-r', kind: 'strap', address: null, serial: 'S1', ownerUserId: null, pool: true })
    secret = await registry.issueCredential('pool-strap-1')
    influx = await freshDatabase('registry')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    options.identities.registryPollMs = 100
    const separate = engine.engine === 'PostgreSQL'
    if (separate) options.identities.registry = engine.location()
    service = await startIngest(options, { registry: separate ? undefined : registry, logger: pino({ level: 'silent' }) })
  })
  afterAll(async () => {
    await service?.close()
    await influx?.close()
    await registry?.close()
  })

  it('attributes samples to the member assigned at the sample time, not at write time', async () => {
    const t0 = Date.now() - 3_600_000
    await registry.assign('pool-strap-1', 'ann', t0, undefined)
    await registry.unassign('pool-strap-1', t0 + 60_000)
    await registry.assign('pool-strap-1', 'bob', t0 + 120_000, undefined)
    const client = await mqtt.connectAsync(url(), { username: 'pool-strap-1', password: secret, reconnectPeriod: 0 })
    const at = [t0 - 30_000, t0 + 10_000, t0 + 70_000, t0 + 130_000]
    await client.publishAsync(deviceSamplesTopic('gym-r', 'pool-strap-1'), encodePayload(at.map((t, i) => ({ kind: 'hr', t, bpm: 100 + i }))), { qos: 1 })
    await client.endAsync()
    await expect.poll(async () => rowsOf(await influx.query(`SELECT bpm, member FROM hr WHERE device = 'pool-strap-1'`)).length, { timeout: 10_000 }).toBe(4)
    const rows = rowsOf(await influx.query(`SELECT bpm, member FROM hr WHERE device = 'pool-strap-1'`))
    expect(rows.map((r) => [r.time, r.member ?? null])).toEqual([
      [at[0], null],
      [at[1], 'ann'],
      [at[2], null],
      [at[3], 'bob'],
    ])
  })

  it('picks up an assignment made while the device is connected', async () => {
    const client = await mqtt.connectAsync(url(), { username: 'pool-strap-1', password: secret, reconnectPeriod: 0 })
    const t1 = Date.now() - 60_000
    await registry.unassign('pool-strap-1', t1 - 1)
    // Registry changes reach ingest through its change feed, read every registryPollMs (100 ms here).
    await new Promise((r) => setTimeout(r, 400))
    await client.publishAsync(deviceSamplesTopic('gym-r', 'pool-strap-1'), encodePayload([{ kind: 'hr', t: t1, bpm: 90 }]), { qos: 1 })
    await registry.assign('pool-strap-1', 'ann', t1 + 1000)
    await new Promise((r) => setTimeout(r, 400)) // two polls of the change feed
    await client.publishAsync(deviceSamplesTopic('gym-r', 'pool-strap-1'), encodePayload([{ kind: 'hr', t: t1 + 2000, bpm: 91 }]), { qos: 1 })
    await client.endAsync()
    await expect
      .poll(async () => rowsOf(await influx.query(`SELECT bpm, member FROM hr WHERE device = 'pool-strap-1' AND time >= ${t1}ms`)).map((r) => r.member ?? null), { timeout: 10_000 })
      .toEqual([null, 'ann'])
  })

  it("attributes an owned device's samples to its owner when no assignment covers them", async () => {
    await registry.createDevice({ id: 'ann-watch', gymId: 'gym-r', kind: 'watch', address: null, serial: null, ownerUserId: 'ann', pool: false })
    const watchSecret = await registry.issueCredential('ann-watch')
    await new Promise((r) => setTimeout(r, 300)) // the device reaches ingest's cache through the change feed
    const client = await mqtt.connectAsync(url(), { username: 'ann-watch', password: watchSecret, reconnectPeriod: 0 })
    await client.publishAsync(deviceSamplesTopic('gym-r', 'ann-watch'), encodePayload([{ kind: 'steps', t: Date.now() - 1000, total: 10 }]), { qos: 1 })
    await client.endAsync()
    await expect.poll(async () => rowsOf(await influx.query(`SELECT total, member FROM steps WHERE device = 'ann-watch'`))[0]?.member, { timeout: 10_000 }).toBe('ann')
  })

  it('attributes samples sent while unassigned once an assignment covers them', async () => {
    await registry.createDevice({ id: 'pool-strap-2', gymId: 'gym-r', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
    const s2 = await registry.issueCredential('pool-strap-2')
    await new Promise((r) => setTimeout(r, 300))
    const client = await mqtt.connectAsync(url(), { username: 'pool-strap-2', password: s2, reconnectPeriod: 0 })
    const t = Date.now() - 600_000
    await client.publishAsync(
      deviceSamplesTopic('gym-r', 'pool-strap-2'),
      encodePayload([
        { kind: 'hr', t, bpm: 80, rr_ms: [750], contact: true },
        { kind: 'hr', t: t + 1000, bpm: 81 },
        { kind: 'status', t: t + 1000, battery_pct: 50, link: 'connected' },
      ]),
      { qos: 1 },
    )
    await client.endAsync()
    await expect.poll(async () => rowsOf(await influx.query(`SELECT bpm FROM hr WHERE device = 'pool-strap-2'`)).length, { timeout: 10_000 }).toBe(2)

    // The coach assigns the strap to bob, from before those samples: they become bob's, untagged copies gone.
    await registry.assign('pool-strap-2', 'bob', t - 60_000)
    const ofBob = async (m: string, field: string) => rowsOf(await influx.query(`SELECT "${field}", member FROM "${m}" WHERE device = 'pool-strap-2'`)).map((r) => r.member ?? null)
    await expect.poll(() => ofBob('hr', 'bpm'), { timeout: 10_000 }).toEqual(['bob', 'bob'])
    // measurements are moved one after another
    await expect.poll(() => ofBob('rr', 'rr_ms'), { timeout: 10_000 }).toEqual(['bob'])
    await expect.poll(() => ofBob('device_status', 'battery_pct'), { timeout: 10_000 }).toEqual(['bob'])
    const kept = rowsOf(await influx.query(`SELECT bpm, contact FROM hr WHERE device = 'pool-strap-2'`))
    expect(kept.map((r) => [r.time, r.bpm, r.contact ?? null])).toEqual([
      [t, 80, true],
      [t + 1000, 81, null],
    ])
  })

  it('refuses unknown devices and wrong secrets, counted apart', async () => {
    await expect(mqtt.connectAsync(url(), { username: 'ghost', password: 'x', reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password/i)
    await expect(mqtt.connectAsync(url(), { username: 'pool-strap-1', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password/i)
    const text = await service.metrics.registry.metrics()
    expect(text).toContain('pulseline_ingest_rejected_total{reason="PL_AUTH_UNKNOWN_DEVICE"} 1')
    expect(text).toContain('pulseline_ingest_rejected_total{reason="PL_AUTH_FAILED"} 1')
  })

  it('disconnects a live client within seconds when its credential is rotated in the registry', async () => {
    const client = await mqtt.connectAsync(url(), { username: 'pool-strap-1', password: secret, reconnectPeriod: 0 })
    const closed = new Promise<number>((resolve) => client.once('close', () => resolve(Date.now())))
    const rotatedAt = Date.now()
    const fresh = await registry.issueCredential('pool-strap-1')
    expect((await closed) - rotatedAt).toBeLessThan(2000)
    await expect(mqtt.connectAsync(url(), { username: 'pool-strap-1', password: secret, reconnectPeriod: 0 })).rejects.toThrow()
    const again = await mqtt.connectAsync(url(), { username: 'pool-strap-1', password: fresh, reconnectPeriod: 0 })
    await again.endAsync()
    client.end(true)
  })

  it("publishes the gym's BLE devices to its gateways (retained), and again when a member claims one", async () => {
    await registry.createDevice({ id: 'gw-r', gymId: 'gym-r', kind: 'gateway', address: null, serial: null, ownerUserId: null, pool: false })
    const gwSecret = await registry.issueCredential('gw-r')
    await registry.createDevice({ id: 'bike-r', gymId: 'gym-r', kind: 'bike', address: '11:22:33:44:55:66', serial: null, ownerUserId: null, pool: true })
    await new Promise((r) => setTimeout(r, 400)) // the change feed
    const gateway = await mqtt.connectAsync(url(), { username: 'gw-r', password: gwSecret, clientId: 'gw-r@gateway', reconnectPeriod: 0 })
    const lists: Array<{ devices: Array<{ id: string; address: string }> }> = []
    gateway.on('message', (_t, p) => lists.push(JSON.parse(p.toString())))
    const granted = await gateway.subscribeAsync(gymDevicesTopic('gym-r'), { qos: 1 })
    expect(granted[0]!.qos).toBe(1)
    await expect.poll(() => lists.at(-1)?.devices.map((d) => d.id), { timeout: 5000 }).toEqual(['bike-r'])
    // Another gym's list is not for this gateway.
    await expect(gateway.subscribeAsync(gymDevicesTopic('gym-other'), { qos: 1 })).rejects.toThrow(/Subscribe error/)
    // A member's claim from the nearby list registers the strap; the coach's confirmation makes it hers.
    await registry.requestClaim('gym-r', 'AA:00:00:00:00:01', 'strap', 'ann')
    await registry.approveClaim('ble-AA0000000001')
    await expect.poll(() => lists.at(-1)?.devices.map((d) => d.id).sort(), { timeout: 5000 }).toEqual(['bike-r', 'ble-AA0000000001'])
    await gateway.endAsync()
  })
})
