/**
 * The gateway's share of `npm run bench`: one gateway (its own process, so its CPU can be read from /proc)
 * reading 40 emulated straps at 1 Hz and 10 machines at 4 Hz over a private D-Bus, publishing to a real
 * ingest and InfluxDB. Reports CPU per device, and the time to drain the backlog of a 10-minute outage
 * while live data keeps flowing.
 *
 * The outage backlog is written into the gateway's outbox directly (10 simulated minutes of the same 50
 * devices), rather than waited for in real time; what is measured is the drain.
 */
import type { ChildProcess } from 'node:child_process'
import { forkReady, stopChild } from '../test/setup/child.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { freePort } from '@pulseline/influx'
import { hashSecret, resolveIngestOptions, startIngest } from '@pulseline/ingest'
import { BleGymDriver, BluezEmulator, planGym, startPrivateBus, type GymPlan } from '@pulseline/firmware-sim'
import { Outbox, resolveGatewayOptions } from '@pulseline/gateway'
import { cpuSeconds } from './proc.js'

export interface GatewayReport {
  devices: number
  notificationsPerSecond: number
  cpuPercent: number
  cpuPercentPerDevice: number
  backlogSamples: number
  drainSeconds: number
}

const GYM = 'bench-gym'
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function combinedPlan(startMs: number): GymPlan {
  const straps = planGym({ seed: 21, gym: GYM, members: 40, machines: 0, startMs, watchEvery: 1000, sampleRateHz: 1 })
  const machines = planGym({ seed: 22, gym: GYM, members: 10, machines: 10, startMs, sampleRateHz: 4 })
  return { gym: GYM, members: [...straps.members, ...machines.members], devices: [...straps.devices, ...machines.devices.filter((d) => d.kind !== 'strap' && d.kind !== 'watch')] }
}

function spawnGateway(config: string, busAddress: string): Promise<ChildProcess> {
  return forkReady(fileURLToPath(new URL('../gateway/src/main.ts', import.meta.url)), ['--config', config], { DBUS_SYSTEM_BUS_ADDRESS: busAddress, LOG_LEVEL: 'error' })
}

export async function gatewayBench(influxUrl: string, log: (line: string) => void, measureSeconds = 20): Promise<GatewayReport> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-gwbench-'))
  const bus = await startPrivateBus()
  const emulator = await BluezEmulator.start(bus.address)
  const adapters = Array.from({ length: 8 }, (_, i) => `hci${i}`)
  for (const a of adapters) emulator.addAdapter(a, { maxConnections: 7 })
  const plan = combinedPlan(Date.now())
  // Every device is in range of every adapter; the gateway spreads the links over them.
  const fullDriver = new BleGymDriver(
    adapters.map((adapter) => ({ emulator, adapter })),
    plan,
  )

  const secret = 'bench-gateway'
  const identities = join(dir, 'identities.json')
  await writeFile(
    identities,
    JSON.stringify({
      // The devices never log in themselves (the gateway publishes for them): a hash that matches nothing.
      devices: plan.devices.map((d) => ({ id: d.id, gym: GYM, kind: d.kind, secretHash: 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' })),
      gateways: [{ id: 'gw-bench', gym: GYM, secretHash: await hashSecret(secret, { N: 1024, r: 8, p: 1 }) }],
      services: [],
    }),
  )
  const port = await freePort()
  const ingest = await startIngest(
    resolveIngestOptions({
      mqtt: { port, wsEnabled: false, connectsPerSecondPerAddress: 100_000 },
      http: { port: 0 },
      log: { dir: join(dir, 'log') },
      deadLetters: { dir: join(dir, 'dead') },
      influx: { url: influxUrl, database: 'gwbench' },
      identities: { file: identities },
    }),
    { logger: pino({ level: 'silent' }) },
  )
  const outboxPath = join(dir, 'outbox.sqlite')
  const config = join(dir, 'gateway.json')
  await writeFile(
    config,
    JSON.stringify(
      resolveGatewayOptions({
        id: 'gw-bench',
        gym: GYM,
        http: { port: 0 },
        mqtt: { url: `mqtt://127.0.0.1:${port}`, password: secret },
        ble: { scanIntervalMs: 500, maxConnectionsPerAdapter: 7 },
        devices: plan.devices.map((d) => ({ address: fullDriver.addresses.get(d.id)!, id: d.id })),
        outbox: { path: outboxPath },
      }),
    ),
  )

  let gateway = await spawnGateway(config, bus.address)
  fullDriver.start(50)
  const connected = () => adapters.reduce((n, a) => n + emulator.connectedCount(a), 0)
  const deadline = Date.now() + 60_000
  while (connected() < plan.devices.length && Date.now() < deadline) await sleep(200)
  log(`gateway: ${connected()} of ${plan.devices.length} devices connected over ${adapters.length} adapters`)
  await sleep(2000)
  const cpu0 = cpuSeconds(gateway.pid!)
  const notified0 = [...fullDriver.notified.byDevice.values()].reduce((a, b) => a + b, 0)
  await sleep(measureSeconds * 1000)
  const cpu = cpuSeconds(gateway.pid!) - cpu0
  const notifications = [...fullDriver.notified.byDevice.values()].reduce((a, b) => a + b, 0) - notified0
  const cpuPercent = (cpu / measureSeconds) * 100

  // A 10-minute outage's backlog: the same devices' samples for the 10 minutes before now.
  await stopChild(gateway)
  const past = combinedPlan(Date.now() - 10 * 60_000)
  const outbox = new Outbox({ path: outboxPath, maxSamples: 2_000_000 })
  let backlogSamples = 0
  for (const d of past.devices) {
    for (const s of d.samplesUntil(Date.now() - 5000)) {
      outbox.add(d.id, s, s.t)
      backlogSamples++
    }
  }
  outbox.close()
  const depth = () => {
    const db = new Database(outboxPath, { readonly: true })
    const n = (db.prepare('SELECT count(*) AS n FROM outbox WHERE created_ms < ?').get(Date.now() - 6000) as { n: number }).n
    db.close()
    return n
  }
  log(`gateway: ${depth()} backlog samples in the outbox before restart`)
  // Timed from the restart: the publisher starts draining as soon as the broker connection is up.
  const drainStart = performance.now()
  gateway = await spawnGateway(config, bus.address)
  while (depth() > 0 && performance.now() - drainStart < 300_000) await sleep(200)
  const drainSeconds = (performance.now() - drainStart) / 1000

  fullDriver.stop()
  await stopChild(gateway)
  await ingest.close()
  emulator.stop()
  await bus.stop()
  await rm(dir, { recursive: true, force: true })
  return {
    devices: plan.devices.length,
    notificationsPerSecond: notifications / measureSeconds,
    cpuPercent,
    cpuPercentPerDevice: cpuPercent / plan.devices.length,
    backlogSamples,
    drainSeconds,
  }
}
