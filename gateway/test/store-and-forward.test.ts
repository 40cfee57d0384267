/**
 * Store-and-forward on real parts: the gateway (a child process, so it can be SIGKILLed) reads emulated
 * devices over a private D-Bus while the broker is down; it is killed and restarted in the outage; then
 * the broker (real ingest, real InfluxDB) comes up. Every sample that was in the outbox must reach
 * InfluxDB, the backlog must drain oldest first at the configured rate, and live samples must not wait
 * behind it.
 */
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, inject, it } from 'vitest'
import mqtt from 'mqtt'
import { freePort, rowsOf, type InfluxClient } from '@pulseline/influx'
import type { IngestService } from '@pulseline/ingest'
import type { Sample } from '@pulseline/protocol'
import { BleGymDriver, BluezEmulator, planGym, startPrivateBus, type PrivateBus } from '@pulseline/firmware-sim'
import { resolveGatewayOptions } from '@pulseline/gateway'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions, startTestIngest, writeIdentities } from '../../test/setup/ingest.js'
import { forkReady, stopChild } from '../../test/setup/child.js'

const GYM = 'saf-gym'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function spawnGateway(configPath: string, busAddress: string): Promise<ChildProcess> {
  return forkReady(fileURLToPath(new URL('../src/main.ts', import.meta.url)), ['--config', configPath], { DBUS_SYSTEM_BUS_ADDRESS: busAddress, LOG_LEVEL: 'error' })
}

describe('gateway store-and-forward', () => {
  let bus: PrivateBus | undefined
  let emulator: BluezEmulator | undefined
  let driver: BleGymDriver | undefined
  let gateway: ChildProcess | undefined
  let ingest: IngestService | undefined
  let influx: InfluxClient | undefined
  afterAll(async () => {
    driver?.stop()
    if (gateway) await stopChild(gateway)
    await ingest?.close()
    await influx?.close()
    emulator?.stop()
    await bus?.stop()
  })

  it('loses nothing across a broker outage and a SIGKILL, drains oldest first at a bounded rate, live first', async () => {
    bus = await startPrivateBus()
    emulator = await BluezEmulator.start(bus.address)
    emulator.addAdapter('hci0', { maxConnections: 7 })
    const plan = planGym({ seed: 5, gym: GYM, members: 2, machines: 1, startMs: Date.now(), watchEvery: 100 })
    driver = new BleGymDriver([{ emulator, adapter: 'hci0' }], plan)
    driver.start(100)

    influx = await freshDatabase('saf')
    const port = await freePort()
    const ingestOpts = await ingestOptions(inject('influxUrl'), influx.options.database, {})
    ingestOpts.mqtt.port = port
    ingestOpts.mqtt.wsEnabled = false
    await writeIdentities(
      ingestOpts.identities.file,
      plan.devices.map((d) => ({ id: d.id, gym: GYM, kind: d.kind, secret: 'unused' })),
      [{ id: 'viewer', secret: 'v', subscribe: ['pulseline/#'], publish: [] }],
      [{ id: 'gw-saf', gym: GYM, secret: 's' }],
    )
    const dir = await mkdtemp(join(tmpdir(), 'pl-saf-'))
    const outboxPath = join(dir, 'outbox.sqlite')
    const configPath = join(dir, 'gateway.json')
    const backlogRate = 5
    await writeFile(
      configPath,
      JSON.stringify(
        resolveGatewayOptions({
          http: { port: 0 },
          id: 'gw-saf',
          gym: GYM,
          mqtt: { url: `mqtt://127.0.0.1:${port}`, password: 's', samplesPerMessage: 1, maxInflightMessages: 4 },
          ble: { scanIntervalMs: 200, reconnectInitialMs: 100, reconnectMaxMs: 1000, connectTimeoutMs: 3000 },
          devices: plan.devices.map((d) => ({ address: driver!.addresses.get(d.id)!, id: d.id })),
          outbox: { path: outboxPath },
          publish: { liveWindowMs: 2000, backlogMessagesPerSecond: backlogRate, tickMs: 20 },
        }),
      ),
    )

    // The broker is down: the gateway reads devices into its outbox; it is SIGKILLed and restarted.
    gateway = await spawnGateway(configPath, bus.address)
    await sleep(3000)
    // What the emulated straps notified to the gateway (the driver counts only deliveries to a listener),
    // 100 ms before the kill: time enough for the gateway to commit them, none for more. All of it must reach
    // InfluxDB, whatever the kill interrupted.
    const straps = plan.devices.filter((d) => d.kind === 'strap').map((d) => d.id)
    const notifiedBeforeKill = new Map(straps.map((id) => [id, (driver!.notified.hr.get(id) ?? []).map((s) => (s as { bpm: number }).bpm)]))
    await sleep(100)
    const killAt = Date.now()
    await stopChild(gateway, 'SIGKILL')
    gateway = await spawnGateway(configPath, bus.address)
    await sleep(3000)

    const snapshot = new Database(outboxPath, { readonly: true })
    const queued = (snapshot.prepare('SELECT device, sample FROM outbox ORDER BY id').all() as Array<{ device: string; sample: string }>).map((r) => ({
      device: r.device,
      sample: JSON.parse(r.sample) as Sample,
    }))
    snapshot.close()
    const queuedHr = queued.filter((q) => q.sample.kind === 'hr')
    expect(queuedHr.length).toBeGreaterThan(8)

    // The broker comes up; a viewer records what arrives, in order.
    ingest = await startTestIngest(ingestOpts)
    const upAt = Date.now()
    const arrivals: Array<{ device: string; sample: Sample; at: number }> = []
    const viewer = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: 'viewer', password: 'v' })
    viewer.on('message', (topic, payload) => {
      for (const sample of (JSON.parse(payload.toString()) as { samples: Sample[] }).samples) arrivals.push({ device: topic.split('/')[3]!, sample, at: Date.now() })
    })
    await viewer.subscribeAsync('pulseline/+/device/+/samples', { qos: 1 })

    // Every queued sample reaches InfluxDB.
    const stored = async (device: string) => new Set(rowsOf(await influx!.query('SELECT bpm FROM hr WHERE device = $d', { d: device })).map((r) => r.time as number))
    await expect
      .poll(
        async () => {
          for (const q of queuedHr) if (!(await stored(q.device)).has(q.sample.t)) return false
          return true
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(true)
    const drainedAt = Date.now()
    await viewer.endAsync()

    // InfluxDB holds, first for each strap, the exact beats it notified before the SIGKILL, in order (the
    // gateway stamps its own time, so the beats are compared by value and order).
    expect([...notifiedBeforeKill.values()].reduce((n, list) => n + list.length, 0)).toBeGreaterThan(5)
    for (const [id, notified] of notifiedBeforeKill) {
      expect(notified.length, id).toBeGreaterThan(0)
      const beforeKill = rowsOf(await influx.query(`SELECT bpm FROM hr WHERE device = $d AND time < ${killAt}ms ORDER BY time`, { d: id })).map((r) => r.bpm)
      expect(beforeKill.slice(0, notified.length), id).toEqual(notified)
    }

    // The backlog took at least as long as its rate allows (first message may go at once: one token).
    const backlogArrivals = arrivals.filter((a) => a.sample.t < upAt - 2000)
    expect(backlogArrivals.length).toBeGreaterThan(5)
    expect(drainedAt - upAt).toBeGreaterThanOrEqual(((backlogArrivals.length - backlogRate) / backlogRate) * 1000 * 0.8)
    // ... oldest first, per device
    for (const device of new Set(backlogArrivals.map((a) => a.device))) {
      const ts = backlogArrivals.filter((a) => a.device === device).map((a) => a.sample.t)
      expect(ts).toEqual([...ts].sort((x, y) => x - y))
    }
    // ... and live samples did not wait for it: one arrived before the last backlog sample did.
    const lastBacklogAt = Math.max(...backlogArrivals.map((a) => a.at))
    expect(arrivals.some((a) => a.sample.t >= upAt && a.at < lastBacklogAt)).toBe(true)
  }, 90_000)
})
