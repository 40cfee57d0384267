/**
 * A strap in range of two gateways (two BlueZ emulators on two private buses, one per gateway) is read by
 * one of them: the claims over MQTT let the lower gateway id keep it, and the samples are not counted twice.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import type { IngestService } from '@pulseline/ingest'
import type { Sample } from '@pulseline/protocol'
import { BleGymDriver, BluezEmulator, planGym, startPrivateBus, type PrivateBus } from '@pulseline/firmware-sim'
import { resolveGatewayOptions, startGateway, type GatewayService } from '@pulseline/gateway'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions, startTestIngest, writeIdentities } from '../../test/setup/ingest.js'

const GYM = 'dual-gym'

describe('a device in range of two gateways', () => {
  const buses: PrivateBus[] = []
  const emulators: BluezEmulator[] = []
  const gateways: GatewayService[] = []
  let driver: BleGymDriver | undefined
  let ingest: IngestService | undefined
  let influx: InfluxClient | undefined
  afterAll(async () => {
    driver?.stop()
    for (const g of gateways) await g.close()
    await ingest?.close()
    await influx?.close()
    for (const e of emulators) e.stop()
    for (const b of buses) await b.stop()
  })

  it('is read by one gateway, and its samples are stored once', async () => {
    for (let i = 0; i < 2; i++) {
      const bus = await startPrivateBus()
      const emulator = await BluezEmulator.start(bus.address)
      emulator.addAdapter('hci0', { maxConnections: 7 })
      buses.push(bus)
      emulators.push(emulator)
    }
    const plan = planGym({ seed: 9, gym: GYM, members: 1, machines: 0, startMs: Date.now(), watchEvery: 100 })
    driver = new BleGymDriver(emulators.map((emulator) => ({ emulator, adapter: 'hci0' })), plan)
    const strap = plan.devices[0]!
    const address = driver.addresses.get(strap.id)!

    influx = await freshDatabase('dual')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    await writeIdentities(
      options.identities.file,
      [{ id: strap.id, gym: GYM, kind: 'strap', secret: 'unused' }],
      [{ id: 'viewer', secret: 'v', subscribe: ['pulseline/#'], publish: [] }],
      [
        { id: 'gw-a', gym: GYM, secret: 'a' },
        { id: 'gw-b', gym: GYM, secret: 'b' },
      ],
    )
    ingest = await startTestIngest(options)
    const hr: Sample[] = []
    const viewer = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'viewer', password: 'v' })
    viewer.on('message', (_topic, payload) => hr.push(...(JSON.parse(payload.toString()) as { samples: Sample[] }).samples.filter((s) => s.kind === 'hr')))
    await viewer.subscribeAsync(`pulseline/${GYM}/device/+/samples`, { qos: 1 })

    const dir = await mkdtemp(join(tmpdir(), 'pl-dual-'))
    for (const [i, id] of (['gw-b', 'gw-a'] as const).entries()) {
      process.env.DBUS_SYSTEM_BUS_ADDRESS = buses[i]!.address
      gateways.push(
        await startGateway(
          resolveGatewayOptions({
            http: { port: 0 },
            healthEveryMs: 500,
            id,
            gym: GYM,
            mqtt: { url: `mqtt://127.0.0.1:${ingest.mqttPort}`, password: id === 'gw-a' ? 'a' : 'b', samplesPerMessage: 1 },
            ble: { scanIntervalMs: 200, reconnectInitialMs: 100, connectTimeoutMs: 3000 },
            devices: [{ address, id: strap.id }],
            outbox: { path: join(dir, `${id}.sqlite`) },
            publish: { tickMs: 20 },
            claims: { heartbeatMs: 200, ttlMs: 2000 },
          }),
          { logger: pino({ level: 'silent' }) },
        ),
      )
    }
    driver.start(100)

    // gw-b started first and may hold the strap briefly; gw-a (the lower id) takes it and gw-b lets go.
    await expect.poll(() => emulators[1]!.isConnected('hci0', address) && gateways[1]!.central.linkState(address), { timeout: 10_000 }).toBe('connected')
    await expect.poll(() => gateways[0]!.central.linkState(address), { timeout: 10_000 }).toBeUndefined()

    // From now on, one gateway reads it: one stored sample per notification, not two.
    await new Promise((r) => setTimeout(r, 1000))
    const notifiedBefore = driver.notified.hr.get(strap.id)!.length
    const receivedBefore = hr.length
    await new Promise((r) => setTimeout(r, 4000))
    const notified = driver.notified.hr.get(strap.id)!.length - notifiedBefore
    const received = hr.length - receivedBefore
    expect(notified).toBeGreaterThanOrEqual(3)
    expect(Math.abs(received - notified)).toBeLessThanOrEqual(1)
    await viewer.endAsync()

    // Each gateway's health reaches InfluxDB through ingest: gw-a reads the strap, gw-b reads nothing.
    const connected = async () =>
      Object.fromEntries(
        rowsOf(await influx!.query(`SELECT last("value") FROM "pipeline" WHERE "metric" = 'pulseline_gateway_connected_devices' GROUP BY "gateway"`)).map((r) => [r.gateway, r.last]),
      )
    await expect.poll(connected, { timeout: 15_000, interval: 250 }).toEqual({ 'gw-a': 1, 'gw-b': 0 })
  }, 60_000)
})
