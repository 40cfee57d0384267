/**
 * The gateway's real code, with unmodified node-ble, against the BlueZ emulator on a private D-Bus
 * daemon, publishing to a real ingest broker over TCP. Notifications carry bytes from firmware-sim's
 * encoders, driven by simulated physiology.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { pino } from 'pino'
import type { InfluxClient } from '@pulseline/influx'
import type { IngestService } from '@pulseline/ingest'
import type { Sample } from '@pulseline/protocol'
import { BleGymDriver, BluezEmulator, planGym, startPrivateBus, type PrivateBus } from '@pulseline/firmware-sim'
import { resolveGatewayOptions, startGateway, type GatewayService } from '@pulseline/gateway'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions, startTestIngest, writeIdentities } from '../../test/setup/ingest.js'

const GYM = 'ble-gym'

async function metric(gateway: GatewayService, name: string): Promise<number> {
  const text = await gateway.metrics.registry.metrics()
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && !l.startsWith('#'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)
}

describe('gateway on a real D-Bus with the BlueZ emulator', () => {
  let bus: PrivateBus
  let emulator: BluezEmulator
  let influx: InfluxClient
  let ingest: IngestService
  let gateway: GatewayService
  let driver: BleGymDriver
  let viewer: MqttClient
  const received = new Map<string, Sample[]>()
  const plan = planGym({ seed: 11, gym: GYM, members: 4, machines: 1, startMs: Date.now(), watchEvery: 100 })
  // strap-001..004 and bike-001; the gateway is told to read all but strap-004, which must then show only as "nearby"
  const wanted = plan.devices.filter((d) => d.id !== 'strap-004')

  beforeAll(async () => {
    bus = await startPrivateBus()
    emulator = await BluezEmulator.start(bus.address)
    emulator.addAdapter('hci0', { maxConnections: 3 })
    emulator.addAdapter('hci1', { maxConnections: 3 })
    driver = new BleGymDriver([{ emulator, adapter: 'hci0' }], plan)

    influx = await freshDatabase('ble')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    await writeIdentities(
      options.identities.file,
      plan.devices.map((d) => ({ id: d.id, gym: GYM, kind: d.kind, secret: 'unused' })),
      [{ id: 'viewer', secret: 'v', subscribe: ['pulseline/#'], publish: [] }],
      [{ id: 'gw-1', gym: GYM, secret: 'gw-secret' }],
    )
    ingest = await startTestIngest(options)
    viewer = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'viewer', password: 'v' })
    viewer.on('message', (topic, payload) => {
      const device = topic.split('/')[3]!
      if (!topic.endsWith('/samples')) return
      if (!received.has(device)) received.set(device, [])
      received.get(device)!.push(...(JSON.parse(payload.toString()) as { samples: Sample[] }).samples)
    })
    await viewer.subscribeAsync('pulseline/+/device/+/samples', { qos: 1 })

    process.env.DBUS_SYSTEM_BUS_ADDRESS = bus.address
    const dir = await mkdtemp(join(tmpdir(), 'pl-gw-'))
    gateway = await startGateway(
      resolveGatewayOptions({
        http: { port: 0 },
        id: 'gw-1',
        gym: GYM,
        mqtt: { url: `mqtt://127.0.0.1:${ingest.mqttPort}`, password: 'gw-secret', samplesPerMessage: 5 },
        ble: { adapters: [], maxConnectionsPerAdapter: 3, scanIntervalMs: 200, reconnectInitialMs: 100, reconnectMaxMs: 1000, connectTimeoutMs: 3000 },
        devices: wanted.map((d) => ({ address: driver.addresses.get(d.id)!, id: d.id })),
        outbox: { path: join(dir, 'outbox.sqlite') },
        publish: { tickMs: 20 },
      }),
      { logger: pino({ level: 'silent' }) },
    )
    driver.start(100)
  }, 60_000)

  afterAll(async () => {
    driver?.stop()
    await gateway?.close()
    await viewer?.endAsync()
    await ingest?.close()
    await influx?.close()
    emulator?.stop()
    await bus?.stop()
  })

  it('connects up to the adapter limit, reports the device that did not fit, and uses a second adapter', async () => {
    await expect.poll(() => emulator.connectedCount('hci0'), { timeout: 15_000 }).toBe(3)
    await expect.poll(() => metric(gateway, 'pulseline_gateway_adapter_full_total'), { timeout: 5_000 }).toBeGreaterThanOrEqual(1)
    expect(emulator.refusedConnections('hci0')).toBe(0) // the gateway kept to its limit instead of hammering BlueZ
    // the fourth wanted device comes into range of a second adapter, which the gateway then uses
    const fourth = wanted.find((d) => !emulator.isConnected('hci0', driver.addresses.get(d.id)!))!
    emulator.addDevice('hci1', { address: driver.addresses.get(fourth.id)!, name: fourth.id, rssi: -70, services: [{ uuid: 0x180d, characteristics: [{ uuid: 0x2a37, flags: ['notify'] }] }, { uuid: 0x1826, characteristics: [{ uuid: 0x2ad2, flags: ['notify'] }] }] })
    await expect.poll(() => emulator.connectedCount('hci1'), { timeout: 15_000 }).toBe(1)
  }, 40_000)

  it('decodes notifications into samples that reach the broker with the values the devices sent', async () => {
    const straps = wanted.filter((x) => x.kind === 'strap')
    await expect.poll(() => Math.min(...straps.map((d) => driver.notified.hr.get(d.id)?.length ?? 0)), { timeout: 15_000 }).toBeGreaterThan(6)
    await new Promise((r) => setTimeout(r, 500))
    for (const d of straps) {
      const sent = driver.notified.hr.get(d.id) ?? []
      const got = (received.get(d.id) ?? []).filter((s): s is Extract<Sample, { kind: 'hr' }> => s.kind === 'hr')
      expect(sent.length).toBeGreaterThan(5)
      // The last five samples that reached the broker are five consecutive notifications, in order, with the
      // bpm the device sent (timestamps are the gateway's). Compared as numbers, not as a substring of text.
      const tail = got.slice(-5).map((s) => s.bpm)
      expect(tail).toHaveLength(5)
      const bpms = sent.map((s) => (s as { bpm: number }).bpm)
      const at = bpms.findIndex((_, i) => tail.every((b, k) => bpms[i + k] === b))
      expect(at, `${tail} in ${bpms}`).toBeGreaterThanOrEqual(0)
    }
    const bike = received.get('bike-001') ?? []
    expect(bike.some((s) => s.kind === 'equipment' && s.machine === 'bike' && typeof s.power_w === 'number')).toBe(true)
    expect(await metric(gateway, 'pulseline_gateway_decode_errors_total')).toBe(0)
  }, 30_000)

  it('reports devices it sees but does not read as nearby, for pairing', async () => {
    const nearby = [...gateway.central.nearby.values()]
    const unclaimed = nearby.find((d) => d.address === driver.addresses.get('strap-004'))
    expect(unclaimed).toMatchObject({ services: expect.arrayContaining([0x180d]), adapters: ['hci0'] })
    expect(emulator.isConnected('hci0', driver.addresses.get('strap-004')!)).toBe(false)
  })

  it('serves its counters on /metrics and its state on /healthz', async () => {
    const text = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/metrics`)).text()
    expect(text).toMatch(/pulseline_gateway_connected_devices [1-9]/)
    expect(text).toContain('pulseline_gateway_outbox_dropped_samples 0')
    expect(await (await fetch(`http://127.0.0.1:${gateway.httpPort}/healthz`)).json()).toMatchObject({ status: 'ok', broker: true, dropped: 0 })
  })

  it('rejects a malformed notification with a reason and keeps the link', async () => {
    const address = driver.addresses.get('strap-001')!
    emulator.notify(address, 0x2a37, Buffer.from([0x11])) // RR flag and 16-bit format, no value
    await expect.poll(() => metric(gateway, 'pulseline_gateway_decode_errors_total')).toBe(1)
    const before = (received.get('strap-001') ?? []).length
    await expect.poll(() => (received.get('strap-001') ?? []).length, { timeout: 5000 }).toBeGreaterThan(before)
    expect(gateway.central.linkState(address)).toBe('connected')
  })

  it('reports a dropout as a status sample, reconnects, and resumes', async () => {
    const address = driver.addresses.get('strap-002')!
    emulator.dropLink({ adapter: 'hci0', address })
    await expect
      .poll(() => (received.get('strap-002') ?? []).some((s) => s.kind === 'status' && s.link === 'dropout'), { timeout: 5000 })
      .toBe(true)
    await expect.poll(() => gateway.central.linkState(address), { timeout: 10_000 }).toBe('connected')
    const dropIndex = (received.get('strap-002') ?? []).findIndex((s) => s.kind === 'status' && s.link === 'dropout')
    await expect
      .poll(() => (received.get('strap-002') ?? []).slice(dropIndex).some((s) => s.kind === 'status' && s.link === 'connected'), { timeout: 5000 })
      .toBe(true)
    await expect.poll(() => (received.get('strap-002') ?? []).slice(dropIndex).filter((s) => s.kind === 'hr').length, { timeout: 5000 }).toBeGreaterThan(2)
  }, 30_000)
})
