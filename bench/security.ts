/**
 * Hostile input, measured (`npm run bench -- --only fuzz,storm`):
 *
 *   fuzz    a million hostile MQTT packets at ingest over TCP and WebSocket while four devices stream
 *           beside them; then 100,000 REST requests generated from the OpenAPI document and 100,000
 *           WebSocket frames at the dashboard, from every role (test/fuzz/)
 *   storm   legitimate devices' PUBACK latency with no storm, then with 1,000 bogus CONNECTs a second from
 *           one address (unknown ids, and a service's name, whose check used to be scrypt): p99 ratio
 */
import { fork } from 'node:child_process'
import { connect } from 'node:net'
import mqttPacket from 'mqtt-packet'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt, { type MqttClient } from 'mqtt'
import { InfluxClient, freePort } from '@pulseline/influx'
import { hashMachineSecret, resolveIngestOptions } from '@pulseline/ingest'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { forkReady, stopChild } from '../test/setup/child.js'
import { ingestUnderFuzz } from '../test/fuzz/ingest-under-fuzz.js'
import { dashboardUnderFuzz } from '../test/fuzz/dashboard-fuzzer.js'
import { cpuSeconds, median } from './proc.js'

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

export async function fuzzBench(url: string, log: (line: string) => void, scale: number): Promise<string[]> {
  const seed = 20261202
  const influx = new InfluxClient({ url, database: `fuzz_${Math.random().toString(36).slice(2, 8)}` })
  await influx.ensureDatabase()
  const packets = Math.round(1_000_000 * scale)
  log(`fuzz: ${fmt(packets)} hostile MQTT packets at ingest (seed ${seed})`)
  const ingest = await ingestUnderFuzz(influx, packets, seed, 900_000)
  const requests = Math.round(100_000 * scale)
  log(`fuzz: ${fmt(requests)} REST requests and WebSocket frames at the dashboard`)
  const dash = await dashboardUnderFuzz({ requests, frames: requests, seed, influx })
  await influx.query(`DROP DATABASE "${influx.options.database}"`, undefined, 'POST')
  await influx.close()
  const refusals = Object.entries(ingest.rejected).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
  return [
    '',
    `Fuzz (seed ${seed}): ingest took ${fmt(ingest.fuzz.packets)} hostile MQTT packets (${(ingest.fuzz.bytes / 1048576).toFixed(1)} MiB) on ${fmt(ingest.fuzz.connections)} connections in ${ingest.fuzz.seconds.toFixed(1)} s ` +
      `(${Object.entries(ingest.fuzz.byMode).map(([m, n]) => `${m} ${fmt(n)}`).join(', ')}): it stayed up (healthz ${ingest.healthz}), its RSS peaked at ${ingest.rssPeakMiB} MiB, ` +
      `and the four devices streaming beside it had all ${fmt(ingest.legitAcked)} acknowledged samples in InfluxDB (${fmt(ingest.legitStored)} counted). ` +
      `Refusals by code: ${refusals.map(([c, n]) => `${c} ${fmt(n)}`).join(', ')}.`,
    `The dashboard answered ${fmt(dash.requests)} generated REST requests (statuses ${Object.entries(dash.statuses).map(([s, n]) => `${s}: ${fmt(n)}`).join(', ')}) with ${dash.serverErrors.length} server errors, ` +
      `took ${fmt(dash.frames)} WebSocket frames on ${fmt(dash.sockets)} sockets with ${dash.unhandledRejections} unhandled rejections and ${dash.subscriptionsAfter} subscriptions left behind, ` +
      `heap after GC ${dash.restHeapGrowthMiB >= 0 ? '+' : ''}${dash.restHeapGrowthMiB} MiB after the requests and ${dash.heapGrowthMiB >= 0 ? '+' : ''}${dash.heapGrowthMiB} MiB after the frames, in ${dash.seconds.toFixed(1)} s.`,
  ]
}

interface StormPhase {
  p50: number
  p99: number
  acks: number
  /** CONNACK times (ms) of a new device connecting from another address (127.0.0.2) twice a second. */
  newDeviceConnackMs: number[]
  ingestCpu: number
  storm?: { attempts: number; answered: number; closedWithoutAnswer: number }
}

/** PUBACK latencies of `clients` publishing one QoS 1 sample every `everyMs`, for `seconds`, optionally under a storm. */
async function phase(clients: MqttClient[], ingestPid: number, port: number, seconds: number, storm?: { rate: number; username?: string }): Promise<StormPhase> {
  const latencies: number[] = []
  let stop = false
  const cpu0 = cpuSeconds(ingestPid)
  const stormRun = storm
    ? new Promise<StormPhase['storm']>((resolve) => {
        const child = fork(here('./connect-storm.ts'), [JSON.stringify({ port, rate: storm.rate, seconds, username: storm.username })], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
        child.once('message', (m) => resolve(m as StormPhase['storm']))
      })
    : undefined
  const t0 = Date.now()
  const newDeviceConnackMs: number[] = []
  const newcomers = (async () => {
    for (let k = 0; Date.now() - t0 < seconds * 1000; k++) {
      newDeviceConnackMs.push(await connackFrom('127.0.0.2', port, 'newcomer', 'newcomer-secret', `newcomer@${k}`))
      await new Promise((r) => setTimeout(r, 500))
    }
  })()
  await Promise.all(
    clients.map(async (client, i) => {
      let k = 0
      while (!stop) {
        const sent = performance.now()
        await client.publishAsync(deviceSamplesTopic('storm', `dev-${i}`), encodePayload([{ kind: 'hr', t: t0 + k++ * 100, bpm: 70 }]), { qos: 1 })
        latencies.push(performance.now() - sent)
        await new Promise((r) => setTimeout(r, 100))
        if (Date.now() - t0 > seconds * 1000) stop = true
      }
    }),
  )
  await newcomers
  const result: StormPhase = { p50: 0, p99: 0, acks: latencies.length, newDeviceConnackMs, ingestCpu: (cpuSeconds(ingestPid) - cpu0) / seconds, storm: await stormRun }
  latencies.sort((a, b) => a - b)
  result.p50 = latencies[Math.floor(latencies.length * 0.5)] ?? 0
  result.p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0
  return result
}

/** Time from TCP connect to CONNACK for one login from `localAddress`; Infinity if refused or no answer in 5 s. */
function connackFrom(localAddress: string, port: number, username: string, password: string, clientId: string): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now()
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    const parser = mqttPacket.parser()
    const done = (ms: number) => {
      socket.destroy()
      resolve(ms)
    }
    socket.setTimeout(5000, () => done(Infinity))
    socket.on('error', () => done(Infinity))
    socket.on('close', () => done(Infinity))
    parser.on('packet', (p) => done(p.cmd === 'connack' && p.returnCode === 0 ? performance.now() - started : Infinity))
    socket.on('data', (d) => parser.parse(d))
    socket.once('connect', () => socket.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId, username, password: Buffer.from(password) })))
  })
}

export async function stormBench(url: string, log: (line: string) => void, runs: number, seconds: number): Promise<string[]> {
  const DEVICES = 50
  const results: Array<{ base: StormPhase; unknown: StormPhase; service: StormPhase }> = []
  for (let r = 1; r <= runs; r++) {
    const dir = await mkdtemp(join(tmpdir(), 'pl-storm-'))
    const port = await freePort()
    const identities = join(dir, 'identities.json')
    await writeFile(
      identities,
      JSON.stringify({
        devices: [
          ...Array.from({ length: DEVICES }, (_, i) => ({ id: `dev-${i}`, gym: 'storm', kind: 'strap', secretHash: hashMachineSecret(`secret-${i}`) })),
          { id: 'newcomer', gym: 'storm', kind: 'strap', secretHash: hashMachineSecret('newcomer-secret') },
        ],
        services: [{ id: 'analytics', secretHash: hashMachineSecret('analytics-secret'), subscribe: [], publish: [] }],
      }),
    )
    // ingest's defaults for the limits: what a deployment gets.
    const options = resolveIngestOptions({
      mqtt: { port, wsEnabled: false },
      http: { port: await freePort(), metricsToInfluxMs: 0 },
      log: { dir: join(dir, 'log') },
      deadLetters: { dir: join(dir, 'dead') },
      influx: { url, database: `storm_${r}_${Math.random().toString(36).slice(2, 6)}` },
      identities: { file: identities },
    })
    await writeFile(join(dir, 'ingest.json'), JSON.stringify(options))
    const ingest = await forkReady(here('../ingest/src/main.ts'), ['--config', join(dir, 'ingest.json')], { LOG_LEVEL: 'error' })
    // The devices connect before the storm, at the gym's pace (the per-address limit is 50 a second).
    const clients: MqttClient[] = []
    for (let i = 0; i < DEVICES; i++) {
      clients.push(await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { username: `dev-${i}`, password: `secret-${i}`, clientId: `dev-${i}`, reconnectPeriod: 0 }))
      if (i % 40 === 39) await new Promise((res) => setTimeout(res, 1000))
    }
    await phase(clients, ingest.pid!, port, 3) // warm-up: JIT, the log's first segment
    log(`storm run ${r}/${runs}: ${DEVICES} devices at 10 Hz, ${seconds} s without a storm`)
    const base = await phase(clients, ingest.pid!, port, seconds)
    log(`storm run ${r}/${runs}: 1,000 bogus CONNECTs/s with unknown ids`)
    const unknown = await phase(clients, ingest.pid!, port, seconds, { rate: 1000 })
    log(`storm run ${r}/${runs}: 1,000 bogus CONNECTs/s as "analytics" with a wrong secret`)
    const service = await phase(clients, ingest.pid!, port, seconds, { rate: 1000, username: 'analytics' })
    results.push({ base, unknown, service })
    log(`storm run ${r}: p99 ${base.p99.toFixed(1)} → ${unknown.p99.toFixed(1)} (unknown ids), ${service.p99.toFixed(1)} ms (service name)`)
    for (const c of clients) c.end(true)
    await stopChild(ingest)
    const influx = new InfluxClient({ url, database: options.influx.database })
    await influx.query(`DROP DATABASE "${options.influx.database}"`, undefined, 'POST').catch(() => undefined)
    await influx.close()
    await rm(dir, { recursive: true, force: true })
  }
  const med = (f: (x: (typeof results)[number]) => number) => median(results.map(f))
  const p99 = (f: (x: (typeof results)[number]) => StormPhase) => results.map((x) => f(x).p99.toFixed(1)).join(' / ')
  const s = results.at(-1)!
  const connack = (f: (x: (typeof results)[number]) => StormPhase) => {
    const all = results.flatMap((x) => f(x).newDeviceConnackMs)
    return `${median(all).toFixed(1)} / ${Math.max(...all).toFixed(1)}`
  }
  return [
    '',
    `Connect storm: ${DEVICES} devices publishing QoS 1 at 10 Hz each while another process opens 1,000 connections a second from the same address with bogus logins (ingest's default limits: ` +
      `50 CONNECTs/s and 120 failed logins/min per address). PUBACK p99 without the storm ${med((x) => x.base.p99).toFixed(1)} ms (runs ${p99((x) => x.base)}), ` +
      `with unknown ids ${med((x) => x.unknown.p99).toFixed(1)} ms (${p99((x) => x.unknown)}; **${(med((x) => x.unknown.p99) / med((x) => x.base.p99)).toFixed(2)}×**), ` +
      `as a service's name ${med((x) => x.service.p99).toFixed(1)} ms (${p99((x) => x.service)}; **${(med((x) => x.service.p99) / med((x) => x.base.p99)).toFixed(2)}×**; target ≤ 2×). ` +
      `p50 ${med((x) => x.base.p50).toFixed(1)} / ${med((x) => x.unknown.p50).toFixed(1)} / ${med((x) => x.service.p50).toFixed(1)} ms. ingest CPU ${(med((x) => x.base.ingestCpu) * 100).toFixed(0)} % → ` +
      `${(med((x) => x.unknown.ingestCpu) * 100).toFixed(0)} % / ${(med((x) => x.service.ingestCpu) * 100).toFixed(0)} % of a core. Last run's storm: ${fmt(s.unknown.storm?.attempts ?? 0)} attempts, ` +
      `${fmt(s.unknown.storm?.answered ?? 0)} answered with a CONNACK, ${fmt(s.unknown.storm?.closedWithoutAnswer ?? 0)} closed before any secret was checked. ` +
      `A new device connecting from another address twice a second got its CONNACK in ${connack((x) => x.base)} without the storm, ${connack((x) => x.unknown)} and ${connack((x) => x.service)} during the two storms (median / max ms, all runs).`,
  ]
}
