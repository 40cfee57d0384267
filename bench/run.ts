/**
 * `npm run bench`: throughput of the spine, measured in one run on this machine, against baselines
 * measured in the same run (the machine is shared and noisy, so each figure is a median of several runs):
 *
 *   raw InfluxDB      line-protocol batches of 5,000 points straight to /write, 1 and 2 writers
 *   bare broker       a hook-less Aedes with the same load generator, QoS 1, one sample per message
 *   pipeline          generator → ingest (auth, validation, durable log, PUBACK) → InfluxDB, counted when
 *                     InfluxDB has acknowledged the samples; 1 and 20 samples per message, with the share of
 *                     the machine's cores busy through it
 *   ingest alone      the pipeline at 20 samples per message with InfluxDB paused (SIGSTOP), counted at the
 *                     last PUBACK: what ingest takes in durably when it has the cores to itself
 *   overload          InfluxDB paused (SIGSTOP) while devices keep publishing: ingest's memory must stay flat
 *                     while the backlog grows on disk, then drain when InfluxDB resumes
 *   gateway           one gateway over the BlueZ emulator: CPU per device, backlog drain
 *   analytics         2,000 members at 1 Hz through the live engine (zones, effort, rules, model) in one
 *                     process: per-reading latency p50/p99 and the cores used
 *   backup            npm run backup and restore of 5 million points, plain and encrypted
 *   dashboard         sensor to screen: 2,000 straps through ingest, analytics and the dashboard to 50 boards
 *                     (4 in Chromium): latency p50/p99, dashboard CPU per 1,000 fan-out messages/s, page
 *                     main-thread time per second
 *
 *   cluster           ingest in cluster mode (log on 3 NATS servers, Redis between brokers): 1 node and
 *                     3 nodes behind HAProxy against the local log, CPU per sample for each process
 *
 *   npm run bench -- --runs 3 --write    (--write saves bench/RESULTS.md)
 */
import type { ChildProcess } from 'node:child_process'
import { forkReady, stopChild } from '../test/setup/child.js'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { InfluxClient, ensureDebianBinary, ensureInfluxd, freePort, startLocalInflux, type LocalInflux } from '@pulseline/influx'
import { spawnTied } from '@pulseline/config'
import { connect, type Socket } from 'node:net'
import { INGEST_NODE_FLAGS, hashMachineSecret, resolveIngestOptions, type IngestOptions } from '@pulseline/ingest'
import { generate } from './generate.js'
import { cpuSeconds, machineTicks, median, profileFlags, rssBytes } from './proc.js'
import { backlogBytes, writtenPoints } from './ingest-metrics.js'
import { gatewayBench, type GatewayReport } from './gateway.js'
import { analyticsBench, type AnalyticsReport } from './analytics.js'
import { dashboardBench, type DashboardReport } from './dashboard.js'
import { fuzzBench, stormBench } from './security.js'
import { backupBench } from './backup.js'
import { clusterBench } from './cluster.js'
import { filesBench } from './files.js'
import { capacityBench } from './analytics-capacity.js'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    write: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
})
const RUNS = Number(values.runs)
const SCALE = values.quick ? 0.25 : 1
/** Devices (and so series, and broker connections) in every throughput stage: a chain's gym-sized figure. */
const DEVICES = 2000
/** QoS 1 PUBLISHes each device keeps in flight: 8,000 at once over 2,000 connections. */
const WINDOW = 4
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const log = (line: string) => console.error(`[bench] ${line}`)

interface Figure {
  rate: number
  cpuUsPerSample?: number
  /** CPU µs per point in the local influxd (when the bench started it): what the pipeline leaves InfluxDB. */
  influxUsPerPoint?: number
  /** Messages per group commit (write + fdatasync) of ingest's log. */
  messagesPerFlush?: number
  /** CPU µs per sample in the load generator, from the clock's start to the last PUBACK. */
  generatorUsPerSample?: number
  /** Share of both cores busy (whole machine, /proc/stat) from the clock's start to its end. */
  busy?: number
}

/** The local influxd's PID, when the bench started one: its CPU per point is reported beside each stage. */
let influxPid: number | undefined
const influxCpu = () => (influxPid ? cpuSeconds(influxPid) : 0)

async function rawInflux(url: string, writers: number, points: number): Promise<Figure> {
  const db = `raw_${Math.random().toString(36).slice(2, 8)}`
  const client = new InfluxClient({ url, database: db, connections: writers })
  await client.ensureDatabase()
  const batch = 5000
  const bodies: Buffer[] = []
  const base = Date.now() - 86_400_000
  for (let b = 0; b < points / batch; b++) {
    let body = ''
    for (let i = 0; i < batch; i++) {
      const n = b * batch + i
      body += `hr,device=d${n % DEVICES},gym=bench bpm=${60 + (n % 120)}i ${base + Math.floor(n / DEVICES)}\n`
    }
    bodies.push(Buffer.from(body))
  }
  let next = 0
  const influx0 = influxCpu()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (next < bodies.length) await client.write(bodies[next++]!)
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const influxUsPerPoint = influxPid ? ((influxCpu() - influx0) * 1e6) / points : undefined
  await client.query(`DROP DATABASE "${db}"`, undefined, 'POST')
  await client.close()
  return { rate: points / seconds, influxUsPerPoint }
}

function startChild(script: string, args: string[], env: NodeJS.ProcessEnv = {}, execArgv: string[] = []): Promise<ChildProcess> {
  return forkReady(here(script), args, env, execArgv)
}

/** A baseline broker under the load generator, one sample a message; its CPU counted from the clock's start. */
async function brokerFigure(port: number, brokerPid: number, messages: number): Promise<Figure> {
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ id: `d${i}`, secret: 'x' }))
  let cpu0 = 0
  const run = await generate({ port, gym: 'bench', devices, messagesPerDevice: messages / DEVICES, samplesPerMessage: 1, window: WINDOW, startT: Date.now() - 86_400_000 }, undefined, () => (cpu0 = cpuSeconds(brokerPid)))
  const cpu = cpuSeconds(brokerPid) - cpu0
  return { rate: run.samples / run.seconds, cpuUsPerSample: (cpu * 1e6) / run.samples }
}

async function bareBroker(messages: number): Promise<Figure> {
  const port = await freePort()
  const broker = await startChild('bare-broker.ts', [String(port)], {}, profileFlags())
  try {
    return await brokerFigure(port, broker.pid!, messages)
  } finally {
    await stopChild(broker)
  }
}

/** Debian's Mosquitto 2.0 with the same load: the broker users would otherwise pick (no persistence, anonymous). */
async function mosquittoBroker(messages: number): Promise<Figure> {
  const binary = ensureDebianBinary('mosquitto', 'mosquitto', true, log)
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'pl-bench-mosquitto-'))
  await writeFile(join(dir, 'mosquitto.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_inflight_messages 0\nmax_queued_messages 0\nlog_dest none\n`)
  const broker = spawnTied(binary, ['-c', join(dir, 'mosquitto.conf')], { stdio: 'ignore' })
  try {
    for (let tries = 0; ; tries++) {
      const open = await new Promise<boolean>((resolve) => connect(port, '127.0.0.1').once('connect', function (this: Socket) { this.destroy(); resolve(true) }).once('error', () => resolve(false)))
      if (open) break
      if (tries > 100) throw new Error('mosquitto did not listen')
      await new Promise((r) => setTimeout(r, 50))
    }
    return await brokerFigure(port, broker.pid!, messages)
  } finally {
    await stopChild(broker)
    await rm(dir, { recursive: true, force: true })
  }
}

interface Pipeline {
  child: ChildProcess
  httpPort: number
  mqttPort: number
  devices: Array<{ id: string; secret: string }>
  dir: string
}

async function startPipeline(url: string, database: string): Promise<Pipeline> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-bench-'))
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ id: `bench-${i}`, secret: `secret-${i}` }))
  const identities = join(dir, 'identities.json')
  await writeFile(
    identities,
    // Devices' secrets are HMAC-hashed, as the registry stores them (scrypt is for people's passwords).
    JSON.stringify({ devices: devices.map((d) => ({ id: d.id, gym: 'bench', kind: 'strap', secretHash: hashMachineSecret(d.secret) })), services: [] }),
  )
  const options = resolveIngestOptions({
    mqtt: { port: await freePort(), wsEnabled: false, connectsPerSecondPerAddress: 100_000 }, // every bench device connects from 127.0.0.1
    http: { port: await freePort() },
    log: { dir: join(dir, 'log') },
    deadLetters: { dir: join(dir, 'dead') },
    influx: { url, database },
    identities: { file: identities },
    // BENCH_WRITER='{"maxInFlight":2}': ingest's writer options, to compare the shipper's settings.
    ...(process.env.BENCH_WRITER ? { writer: JSON.parse(process.env.BENCH_WRITER) as Partial<IngestOptions['writer']> } : {}),
  })
  const config = join(dir, 'ingest.json')
  await writeFile(config, JSON.stringify(options))
  const child = await startChild('../ingest/src/main.ts', ['--config', config], { LOG_LEVEL: 'warn' }, [...INGEST_NODE_FLAGS, ...profileFlags()])
  return { child, httpPort: options.http.port, mqttPort: options.mqtt.port, devices, dir }
}

async function waitForPoints(httpPort: number, total: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const written = await writtenPoints(httpPort)
    if (written >= total) return performance.now()
    if (Date.now() > deadline) {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
      const detail = text.split('\n').filter((l) => /^pulseline_(ingest_(samples|rejected|messages)|writer_errors|log_backlog)/.test(l))
      throw new Error(`InfluxDB acknowledged ${written} of ${total} points in ${timeoutMs} ms:\n${detail.join('\n')}`)
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function traceLine(httpPort: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  const names = ['pulseline_writer_points_total', 'pulseline_log_backlog_bytes', 'pulseline_ingest_nodejs_eventloop_lag_max_seconds', 'pulseline_writer_request_seconds_sum', 'pulseline_writer_request_seconds_count']
  return names.map((n) => new RegExp(`^${n} (\\S+)$`, 'm').exec(text)?.[1]).join('/')
}

/**
 * The pipeline under the load generator, counted when InfluxDB holds every sample. With `influxPaused`
 * (the local influxd stopped by SIGSTOP while devices publish), counted at the last PUBACK instead: what
 * ingest alone takes in, durably, when it has the cores to itself; the points are then checked in InfluxDB.
 */
async function pipeline(url: string, samples: number, perMessage: number, influxPaused = false): Promise<Figure> {
  if (influxPaused && !influxPid) throw new Error('the paused stage needs the bench to start its own InfluxDB')
  const database = `pipe_${Math.random().toString(36).slice(2, 8)}`
  const p = await startPipeline(url, database)
  let cpu0 = 0
  let influx0 = 0
  let machine0 = machineTicks()
  let machine1 = machine0
  let ingestCpuAtAck: number | undefined
  // BENCH_TRACE=1: every 500 ms, points written, log backlog, event-loop lag and InfluxDB request time so far.
  const trace: string[] = []
  const tracer = process.env.BENCH_TRACE ? setInterval(() => void traceLine(p.httpPort).then((l) => trace.push(l)), 500) : undefined
  const messagesPerDevice = Math.floor(samples / perMessage / DEVICES)
  const run = await generate(
    { port: p.mqttPort, gym: 'bench', devices: p.devices, messagesPerDevice, samplesPerMessage: perMessage, window: WINDOW, startT: Date.now() - 86_400_000 },
    async (result) => {
      if (influxPaused) {
        const acked = performance.now()
        machine1 = machineTicks()
        ingestCpuAtAck = cpuSeconds(p.child.pid!)
        process.kill(influxPid!, 'SIGCONT')
        await waitForPoints(p.httpPort, result.samples)
        return acked
      }
      const atAck = await writtenPoints(p.httpPort)
      const t0 = performance.now()
      const end = await waitForPoints(p.httpPort, result.samples)
      machine1 = machineTicks()
      log(`pipeline: ${atAck} points in InfluxDB when the last PUBACK came; the rest (${result.samples - atAck}) at ${Math.round((result.samples - atAck) / ((end - t0) / 1000))}/s`)
      return end
    },
    () => {
      if (influxPaused) process.kill(influxPid!, 'SIGSTOP')
      cpu0 = cpuSeconds(p.child.pid!)
      influx0 = influxCpu()
      machine0 = machineTicks()
    },
  ).finally(() => influxPaused && process.kill(influxPid!, 'SIGCONT')) // never leave InfluxDB stopped
  // Paused, ingest's CPU is counted to the last PUBACK only (the drain after it is InfluxDB's catching up).
  const cpu = (ingestCpuAtAck ?? cpuSeconds(p.child.pid!)) - cpu0
  const influxUsPerPoint = influxPid ? ((influxCpu() - influx0) * 1e6) / run.samples : undefined
  clearInterval(tracer)
  if (trace.length) log(`trace (points/backlog bytes/loop lag max s/write s sum/writes): ${trace.join(' ')}`)
  const busy = (machine1.busy - machine0.busy) / (machine1.total - machine0.total)
  log(
    `pipeline, ${perMessage}/message${influxPaused ? ', InfluxDB paused' : ''}: all acknowledged after ${run.ackedSeconds.toFixed(2)} s${influxPaused ? '' : `, all in InfluxDB after ${run.seconds.toFixed(2)} s`}; ` +
      `generator ${((run.genCpu * 1e6) / run.samples).toFixed(1)} CPU-µs/sample; both cores ${(busy * 100).toFixed(0)} % busy`,
  )
  const flushes = Number(/^pulseline_log_flushes (\S+)$/m.exec(await (await fetch(`http://127.0.0.1:${p.httpPort}/metrics`)).text())?.[1] ?? 0)
  const client = new InfluxClient({ url, database })
  const counted = (await client.query('SELECT count(bpm) FROM hr'))[0]?.series?.[0]?.values[0]?.[1]
  if (counted !== run.samples) throw new Error(`InfluxDB holds ${counted} points, expected ${run.samples}`)
  await client.query(`DROP DATABASE "${database}"`, undefined, 'POST')
  await client.close()
  await stopChild(p.child)
  await rm(p.dir, { recursive: true, force: true })
  return { rate: run.samples / run.seconds, cpuUsPerSample: (cpu * 1e6) / run.samples, influxUsPerPoint, messagesPerFlush: flushes ? run.samples / perMessage / flushes : undefined, busy, generatorUsPerSample: (run.genCpu * 1e6) / run.samples }
}

interface OverloadReport {
  pausedSeconds: number
  samples: number
  rssStartMiB: number
  rssPeakMiB: number
  /** Highest RSS in the first and second half of the pause: equal-ish when memory is bounded. */
  rssFirstHalfMaxMiB: number
  rssSecondHalfMaxMiB: number
  backlogPeakMiB: number
  drainSeconds: number
}

/** InfluxDB paused while devices publish flat out: ingest must hold the backlog on disk, not in memory. */
async function overload(url: string, influx: LocalInflux): Promise<OverloadReport> {
  const database = `over_${Math.random().toString(36).slice(2, 8)}`
  const p = await startPipeline(url, database)
  await new Promise((r) => setTimeout(r, 500))
  const rssStart = rssBytes(p.child.pid!)
  let rssPeak = rssStart
  let backlogPeak = 0
  process.kill(influx.pid, 'SIGSTOP')
  const pausedAt = performance.now()
  const trace: string[] = []
  const sampler = setInterval(() => {
    const rss = rssBytes(p.child.pid!)
    trace.push(`${Math.round(rss / 1048576)}`)
    rssPeak = Math.max(rssPeak, rss)
    void backlogBytes(p.httpPort).then((b) => (backlogPeak = Math.max(backlogPeak, b)))
  }, 250)
  const total = Math.floor(3_600_000 * SCALE)
  const gen = generate({ port: p.mqttPort, gym: 'bench', devices: p.devices, messagesPerDevice: total / 20 / DEVICES, samplesPerMessage: 20, window: WINDOW, startT: Date.now() - 86_400_000 })
  const run = await gen
  const pausedSeconds = (performance.now() - pausedAt) / 1000
  process.kill(influx.pid, 'SIGCONT')
  const resumed = performance.now()
  await waitForPoints(p.httpPort, run.samples)
  const drainSeconds = (performance.now() - resumed) / 1000
  clearInterval(sampler)
  log(`overload: ingest RSS every 250 ms (MiB): ${trace.join(' ')}`)
  const secondHalf = trace.slice(Math.floor(trace.length / 2)).map(Number)
  await stopChild(p.child)
  await rm(p.dir, { recursive: true, force: true })
  const mib = (b: number) => Math.round((b / 1048576) * 10) / 10
  return {
    pausedSeconds,
    samples: run.samples,
    rssStartMiB: mib(rssStart),
    rssPeakMiB: mib(rssPeak),
    rssSecondHalfMaxMiB: Math.max(...secondHalf),
    rssFirstHalfMaxMiB: Math.max(...trace.slice(0, Math.floor(trace.length / 2)).map(Number)),
    backlogPeakMiB: mib(backlogPeak),
    drainSeconds,
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const ratio = (a: number, b: number) => (a / b).toFixed(2)

async function main(): Promise<void> {
  let local: LocalInflux | undefined
  const url = process.env.INFLUX_URL ?? (local = await startLocalInflux({ binary: ensureInfluxd(true, log) })).url
  influxPid = local?.pid
  log(`InfluxDB at ${url}; ${RUNS} runs of each; ${cpus().length} CPUs (${cpus()[0]?.model})`)
  const figures: Record<string, Figure[]> = { raw1: [], raw2: [], bare: [], mosquitto: [], pipe1: [], pipe20: [], intake20: [] }
  const stages: Array<[string, string, () => Promise<Figure>]> = [
    ['raw1', 'raw InfluxDB, 1 writer', () => rawInflux(url, 1, 600_000 * SCALE)],
    ['raw2', 'raw InfluxDB, 2 writers', () => rawInflux(url, 2, 800_000 * SCALE)],
    ['bare', 'bare Aedes, QoS 1, 1 sample/message', () => bareBroker(240_000 * SCALE)],
    ['mosquitto', 'Mosquitto 2.0, QoS 1, 1 sample/message', () => mosquittoBroker(240_000 * SCALE)],
    ['pipe1', 'pipeline, 1 sample/message', () => pipeline(url, 240_000 * SCALE, 1)],
    ['pipe20', 'pipeline, 20 samples/message', () => pipeline(url, 1_600_000 * SCALE, 20)],
  ]
  // Ingest's own capacity: only with the bench's InfluxDB, which it can pause.
  if (local) stages.push(['intake20', 'ingest alone (InfluxDB paused), 20 samples/message', () => pipeline(url, 1_600_000 * SCALE, 20, true)])
  const dash: DashboardReport[] = []
  // Sensor to screen first, on a fresh InfluxDB: after the throughput stages' millions of points its
  // compactions take CPU for minutes (the no-browser p99 was 78-109 ms then, 36-54 ms before them).
  // --only dashboard runs both sensor-to-screen runs; --only sockets or --only board one of them.
  const screenModes = (['sockets', 'board'] as const).filter((m) => !values.only || values.only.split(',').some((k) => k === 'dashboard' || k === m))
  if (screenModes.length) {
    for (let r = 1; r <= RUNS; r++) {
      for (const mode of screenModes) {
        log(`run ${r}/${RUNS}: dashboard, sensor to screen (${mode})`)
        dash.push(await dashboardBench(url, log, mode, values.quick ? 10 : 30, Number(process.env.BENCH_DEVICES ?? 2000)))
      }
    }
  }
  for (let r = 1; r <= RUNS; r++) {
    for (const [key, name, stage] of stages) {
      if (values.only && !values.only.split(',').includes(key)) continue
      log(`run ${r}/${RUNS}: ${name}`)
      figures[key]!.push(await stage())
    }
  }
  const wants = (key: string) => !values.only || values.only.split(',').includes(key)
  const security: string[] = []
  if (wants('fuzz')) security.push(...(await fuzzBench(url, log, SCALE)))
  if (wants('storm')) security.push(...(await stormBench(url, log, RUNS, values.quick ? 8 : 15)))
  if (wants('backup') && local) security.push(...(await backupBench(local, log, RUNS, values.quick ? 1_000_000 : 5_000_000)))
  if (wants('cluster')) security.push(...(await clusterBench(url, log, RUNS, SCALE)))
  if (wants('files')) security.push(...(await filesBench(url, log, RUNS, values.quick ? 200_000 : 1_000_000)))
  if (values.only?.split(',').includes('capacity')) security.push(...(await capacityBench(log, values.quick ? 10 : 15, RUNS)))
  if (values.only && !values.only.split(',').some((k) => ['overload', 'gateway', 'analytics', 'dashboard', 'sockets', 'board'].includes(k))) {
    for (const [key, list] of Object.entries(figures)) if (list.length) console.log(key, list.map((f) => `${fmt(f.rate)}/s ${f.cpuUsPerSample?.toFixed(1) ?? ''}${f.influxUsPerPoint ? ` influxd ${f.influxUsPerPoint.toFixed(1)} µs/point` : ''}${f.messagesPerFlush ? ` ${f.messagesPerFlush.toFixed(0)} msg/flush` : ''}${f.busy ? ` cores ${(f.busy * 100).toFixed(0)} % busy` : ''}`).join(' | '))
    for (const line of security) console.log(line)
    await local?.stop()
    return
  }
  let over: OverloadReport | undefined
  if (local && (!values.only || values.only.split(',').includes('overload'))) {
    log('overload: InfluxDB paused while devices publish')
    over = await overload(url, local)
  }
  let gw: GatewayReport | undefined
  if (!values.only || values.only.split(',').includes('gateway')) {
    log('gateway: 40 straps at 1 Hz and 10 machines at 4 Hz over the BlueZ emulator')
    gw = await gatewayBench(url, log, values.quick ? 5 : 20)
  }
  const an: AnalyticsReport[] = []
  if (!values.only || values.only.split(',').includes('analytics')) {
    for (let r = 1; r <= RUNS; r++) {
      log(`run ${r}/${RUNS}: analytics, 2,000 members at 1 Hz`)
      an.push(await analyticsBench(2000, values.quick ? 10 : 30))
    }
  }
  await local?.stop()

  const m = (k: string) => median(figures[k]!.map((f) => f.rate))
  const c = (k: string) => median(figures[k]!.map((f) => f.cpuUsPerSample ?? 0))
  const all = (k: string) => figures[k]!.map((f) => fmt(f.rate)).join(' / ')
  const raw = Math.max(m('raw1'), m('raw2'))
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, InfluxDB 1.6.7, Aedes 1.2, Mosquitto 2.0, Node ${process.version}. Medians of ${RUNS} runs (each run's figure in brackets). ` +
      `${DEVICES.toLocaleString('en-US')} devices (series, and MQTT connections) in every stage; each device keeps ${WINDOW} QoS 1 PUBLISHes in flight.`,
    '',
    '| what | samples/s (median) | runs | CPU µs/sample in the broker process | ratio |',
    '|---|---:|---|---:|---|',
    `| raw InfluxDB, 1 writer, 5,000-point batches | ${fmt(m('raw1'))} | ${all('raw1')} | | |`,
    `| raw InfluxDB, 2 writers (baseline "raw") | ${fmt(m('raw2'))} | ${all('raw2')} | | |`,
    `| bare Aedes QoS 1, 1 sample/message (baseline "broker") | ${fmt(m('bare'))} | ${all('bare')} | ${c('bare').toFixed(1)} | |`,
    `| Mosquitto 2.0 QoS 1, 1 sample/message, no persistence | ${fmt(m('mosquitto'))} | ${all('mosquitto')} | ${c('mosquitto').toFixed(1)} | |`,
    `| **pipeline, durable, 1 sample/message** | ${fmt(m('pipe1'))} | ${all('pipe1')} | ${c('pipe1').toFixed(1)} | ${ratio(m('pipe1'), m('bare'))} × broker (target ≥ 0.6), ${ratio(m('pipe1'), m('mosquitto'))} × Mosquitto; CPU ${ratio(c('pipe1'), c('bare'))} × broker's (target ≤ 2) |`,
    `| **pipeline, durable, 20 samples/message** | ${fmt(m('pipe20'))} | ${all('pipe20')} | ${c('pipe20').toFixed(1)} | ${ratio(m('pipe20'), raw)} × raw (target ≥ 0.5) |`,
  ]
  if (figures.intake20!.length) {
    lines.push(`| ingest alone, 20 samples/message, InfluxDB paused: durable and acknowledged | ${fmt(m('intake20'))} | ${all('intake20')} | ${c('intake20').toFixed(1)} | ${ratio(m('intake20'), raw)} × raw |`)
  }
  const p20 = (f: (x: Figure) => number | undefined) => median(figures.pipe20!.map((x) => f(x) ?? 0))
  if (figures.pipe20!.length && p20((x) => x.busy) > 0) {
    // What the pipeline would reach at the same CPU per sample with both cores busy all the time: the ceiling
    // that shared cores put on it, whatever the scheduling (ingest, influxd and the generator share them).
    const full = median(figures.pipe20!.map((x) => x.rate / x.busy!))
    lines.push(
      '',
      `At 20 samples a message the three processes share the ${cpus().length} cores: per sample ingest ${c('pipe20').toFixed(1)} CPU-µs, ` +
        // An InfluxDB the bench did not start (INFLUX_URL) has no CPU figure here.
        `${influxPid ? `influxd ${p20((x) => x.influxUsPerPoint).toFixed(1)}, ` : ''}the load generator ${p20((x) => x.generatorUsPerSample).toFixed(1)}. The machine was ${(p20((x) => x.busy) * 100).toFixed(0)} % busy through the stage (/proc/stat); ` +
        `at the same CPU per sample with every core busy it would reach ${fmt(full)}/s = ${ratio(full, raw)} × raw.`,
    )
  }
  if (over) {
    lines.push(
      '',
      `Overload: InfluxDB paused (SIGSTOP) for ${over.pausedSeconds.toFixed(1)} s while ${DEVICES.toLocaleString('en-US')} devices published ${fmt(over.samples)} samples flat out. ` +
        `ingest RSS ${over.rssStartMiB} MiB at the start, at most ${over.rssFirstHalfMaxMiB} MiB in the first half of the pause and ${over.rssSecondHalfMaxMiB} MiB in the second, ` +
        `while the log backlog grew to ${over.backlogPeakMiB} MiB on disk: the backlog is on disk, not in the heap; ` +
        `after InfluxDB resumed, the backlog drained in ${over.drainSeconds.toFixed(1)} s.`,
    )
  }
  if (gw) {
    lines.push(
      '',
      `Gateway: one gateway process read ${gw.devices} emulated devices (40 straps at 1 Hz, 10 machines at 4 Hz; ${gw.notificationsPerSecond.toFixed(0)} notifications/s) ` +
        `over node-ble and a private D-Bus, using ${gw.cpuPercent.toFixed(1)} % of one core: ${gw.cpuPercentPerDevice.toFixed(2)} % per device. ` +
        `The backlog of a 10-minute outage (${fmt(gw.backlogSamples)} samples) drained in ${gw.drainSeconds.toFixed(1)} s at the default 200 backlog messages/s of 20 samples, while live data kept flowing.`,
    )
  }
  if (an.length) {
    const med = (f: (r: AnalyticsReport) => number) => median(an.map(f))
    lines.push(
      '',
      `Analytics: ${an[0]!.members} members at 1 Hz (HR with RR) through the live engine in one process (zones, effort, HRV, anomaly rules, and the ` +
        `TF.js model over every stream each second on the wasm backend, on its worker thread). Per-reading latency, from its arrival to its tile: ` +
        `p50 ${med((r) => r.p50Ms).toFixed(2)} ms, **p99 ${med((r) => r.p99Ms).toFixed(1)} ms** (target ≤ 20 ms; runs ${an.map((r) => r.p99Ms.toFixed(1)).join(' / ')}), ` +
        `max ${med((r) => r.maxMs).toFixed(1)} ms; ${med((r) => r.cpuCores * 100).toFixed(0)} % of one core (both threads); a tick (dropout checks, effort series, ` +
        `inference on ${an[0]!.members} windows beside the event loop) takes ${med((r) => r.tickMs).toFixed(0)} ms.`,
    )
  }
  if (dash.length) {
    const ms = (v: number) => v.toFixed(0)
    for (const mode of ['sockets', 'board'] as const) {
      const runs = dash.filter((r) => r.mode === mode)
      if (!runs.length) continue
      const med = (f: (r: DashboardReport) => number) => median(runs.map(f))
      const hop = (name: string) => `${name} p50 ${ms(med((r) => r.hops[name]!.p50))} / p99 ${ms(med((r) => r.hops[name]!.p99))} ms`
      const d = runs[0]!
      const cores = Object.keys(d.cores).map((k) => `${k} ${med((r) => r.cores[k]!).toFixed(2)}`).join(', ')
      lines.push(
        '',
        mode === 'sockets'
          ? `Sensor to screen, no browser: ${d.devices} straps at 1 Hz in ${d.gyms} gyms through ingest, analytics and the dashboard (each its own process) to ${d.sockets} WebSocket clients, ` +
              `all on this machine's cores with the device simulator. Sample time to the tile's frame at a client: p50 ${ms(med((r) => r.total.p50))} ms, ` +
              `**p99 ${ms(med((r) => r.total.p99))} ms** (target ≤ 50 ms; runs ${runs.map((r) => ms(r.total.p99)).join(' / ')}). By hop (medians of runs): ` +
              `${hop('ingest')} (device to ingest forwarding the sample: validation, the durable append, PUBACK), ${hop('analytics')} (to the tile published), ${hop('dashboard')} (to the frame at the client). ` +
              `Fan-out ${med((r) => r.fanoutPerS).toFixed(0)} messages/s; the dashboard process used ${(med((r) => r.dashboardCpuPerKFanout) * 100).toFixed(1)} % of a core per 1,000 fan-out messages/s. Cores used: ${cores}.`
          : `One class board in headless Chromium (60 tiles, software rendering, on the same 2 cores as the ${d.devices} straps' pipeline): **${ms(med((r) => r.mainThreadMsPerS))} ms of main thread per second** ` +
              `(target ≤ 100; runs ${runs.map((r) => ms(r.mainThreadMsPerS)).join(' / ')}; script ${ms(med((r) => r.mainThreadBreakdown.Script!))}, layout ${ms(med((r) => r.mainThreadBreakdown.Layout!))}, style ${ms(med((r) => r.mainThreadBreakdown.RecalcStyle!))}). ` +
              `Sample to paint p50 ${ms(med((r) => r.total.p50))} ms, **p99 ${ms(med((r) => r.total.p99))} ms**: ${hop('server')} (sample to the frame's arrival in the page, including the server's pacing: one frame of tiles every 200 ms), ${hop('batching')} (to the animation frame that applies it), ${hop('paint')} (that frame's style, layout and paint). Cores used: ${cores}.`,
      )
    }
  }
  lines.push(...security)
  const report = lines.join('\n')
  console.log(report)
  if (values.write) {
    await writeFile(here('RESULTS.md'), `# Benchmark results\n\nProduced by \`npm run bench -- --write\`.\n\n${report}\n`)
    log('wrote bench/RESULTS.md')
  }
}

await main()
