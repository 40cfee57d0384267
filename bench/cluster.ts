/**
 * The cluster's cost, against the single node in the same run: the same devices and load through
 *   local     one ingest, its log on local disk (the default);
 *   cluster1  one ingest in cluster mode: its log a JetStream stream on 3 NATS servers, Redis as the broker fabric;
 *   cluster3  three ingest nodes in cluster mode behind HAProxy.
 * Counted when every sample is in InfluxDB. CPU seconds of every process (ingest nodes, NATS servers, Redis,
 * HAProxy) per sample: on this 2-core machine all of them share the CPU, so the rate is bounded by the sum,
 * and the per-process figures say what N machines would each carry.
 */
import type { ChildProcess } from 'node:child_process'
import mqtt from 'mqtt'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InfluxClient, ensureDebianBinary, freePort, rowsOf } from '@pulseline/influx'
import { hashMachineSecret, resolveIngestOptions } from '@pulseline/ingest'
import { forkReady, stopChild } from '../test/setup/child.js'
import { startHaproxy, startNatsCluster, startRedis } from '../test/cluster/engines.js'
import { generate } from './generate.js'
import { cpuSeconds, median } from './proc.js'
import { writtenPoints } from './ingest-metrics.js'

type Mode = 'local' | 'cluster1' | 'cluster3'

interface ClusterFigure {
  rate: number
  /** CPU µs per sample, by process group. */
  cpu: Record<string, number>
}

const DEVICES = 400
const SAMPLES_PER_MESSAGE = 5

async function runOnce(influxUrl: string, mode: Mode, messagesPerDevice: number): Promise<ClusterFigure> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-bench-cluster-'))
  const database = `cluster_${mode}_${Math.random().toString(36).slice(2, 8)}`
  const devices = Array.from({ length: DEVICES }, (_, i) => ({ id: `c-${i}`, secret: `secret-${i}` }))
  const identities = join(dir, 'identities.json')
  await writeFile(identities, JSON.stringify({ devices: devices.map((d) => ({ id: d.id, gym: 'bench', kind: 'strap', secretHash: hashMachineSecret(d.secret) })), services: [] }))
  const engines = mode === 'local' ? undefined : await Promise.all([startNatsCluster(3), startRedis()])
  const nodes: Array<{ child: ChildProcess; httpPort: number; mqttPort: number }> = []
  let haproxy: Awaited<ReturnType<typeof startHaproxy>> | undefined
  try {
    for (let n = 0; n < (mode === 'cluster3' ? 3 : 1); n++) {
      const options = resolveIngestOptions({
        mqtt: { port: await freePort(), wsEnabled: false, connectsPerSecondPerAddress: 100_000 },
        http: { port: await freePort() },
        log: { dir: join(dir, `log-${n}`), maxBytes: 512 * 1024 * 1024 },
        deadLetters: { dir: join(dir, `dead-${n}`) },
        influx: { url: influxUrl, database },
        identities: { file: identities },
        cluster: engines ? { nodeId: `bench-${n}`, natsUrls: engines[0].urls, redisUrl: engines[1].url } : {},
      })
      const config = join(dir, `ingest-${n}.json`)
      await writeFile(config, JSON.stringify(options))
      const child = await forkReady(fileURLToPath(new URL('../ingest/src/main.ts', import.meta.url)), ['--config', config], { LOG_LEVEL: 'warn' })
      nodes.push({ child, httpPort: options.http.port, mqttPort: options.mqtt.port })
    }
    if (mode === 'cluster3') haproxy = await startHaproxy(nodes.map((n) => n.mqttPort))
    const pids: Record<string, number[]> = {
      ingest: nodes.map((n) => n.child.pid!),
      ...(engines ? { nats: engines[0].servers.map((s) => s.pid), redis: [engines[1].pid] } : {}),
      ...(haproxy ? { haproxy: [haproxy.pid] } : {}),
    }
    const cpuNow = () => Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, list.reduce((a, pid) => a + cpuSeconds(pid), 0)]))
    let cpu0: Record<string, number> = {}
    const run = await generate(
      { port: haproxy?.port ?? nodes[0]!.mqttPort, gym: 'bench', devices, messagesPerDevice, samplesPerMessage: SAMPLES_PER_MESSAGE, window: 4, startT: Date.now() - 86_400_000 },
      async (result) => {
        for (;;) {
          let written = 0
          for (const n of nodes) written += await writtenPoints(n.httpPort)
          if (written >= result.samples) return performance.now()
          await new Promise((r) => setTimeout(r, 50))
        }
      },
      () => (cpu0 = cpuNow()),
    )
    const cpu = Object.fromEntries(Object.entries(cpuNow()).map(([k, seconds]) => [k, ((seconds - cpu0[k]!) * 1e6) / run.samples]))
    return { rate: run.samples / run.seconds, cpu }
  } finally {
    await haproxy?.stop()
    for (const n of nodes) await stopChild(n.child)
    if (engines) await Promise.all([engines[0].stop(), engines[1].stop()])
    await rm(dir, { recursive: true, force: true })
  }
}

interface Failover {
  /** From the SIGKILL until every device that was on the dead node had a PUBACK again. */
  devicesBackMs: number
  /** From the SIGKILL until every sample acknowledged anywhere was in InfluxDB (the dead node's log adopted and shipped). */
  allStoredMs: number
}

/**
 * Three nodes behind HAProxy, 60 devices (MQTT.js, QoS 1, reconnecting) streaming; the node whose InfluxDB is
 * unreachable, so that everything it acknowledged waits in its log, is SIGKILLed and its directory deleted.
 */
async function failoverOnce(influxUrl: string): Promise<Failover> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-bench-failover-'))
  const database = `failover_${Math.random().toString(36).slice(2, 8)}`
  const devices = Array.from({ length: 60 }, (_, i) => ({ id: `f-${i}`, secret: `secret-${i}` }))
  const identities = join(dir, 'identities.json')
  await writeFile(identities, JSON.stringify({ devices: devices.map((d) => ({ id: d.id, gym: 'bench', kind: 'strap', secretHash: hashMachineSecret(d.secret) })), services: [] }))
  const [nats, redis] = await Promise.all([startNatsCluster(3), startRedis()])
  const nodes: Array<{ child: ChildProcess; httpPort: number; mqttPort: number; dir: string }> = []
  let haproxy: Awaited<ReturnType<typeof startHaproxy>> | undefined
  const clients: mqtt.MqttClient[] = []
  try {
    for (let n = 0; n < 3; n++) {
      const options = resolveIngestOptions({
        mqtt: { port: await freePort(), wsEnabled: false, connectsPerSecondPerAddress: 100_000 },
        http: { port: await freePort() },
        log: { dir: join(dir, `node-${n}`, 'log'), maxBytes: 256 * 1024 * 1024 },
        deadLetters: { dir: join(dir, `node-${n}`, 'dead') },
        influx: { url: n === 1 ? `http://127.0.0.1:${await freePort()}` : influxUrl, database },
        identities: { file: identities },
        cluster: { nodeId: `failover-${n}`, natsUrls: nats.urls, redisUrl: redis.url, heartbeatMs: 1_000, nodeTtlMs: 5_000 },
      })
      const config = join(dir, `ingest-${n}.json`)
      await writeFile(config, JSON.stringify(options))
      const child = await forkReady(fileURLToPath(new URL('../ingest/src/main.ts', import.meta.url)), ['--config', config], { LOG_LEVEL: 'error' })
      nodes.push({ child, httpPort: options.http.port, mqttPort: options.mqtt.port, dir: join(dir, `node-${n}`) })
    }
    haproxy = await startHaproxy(nodes.map((n) => n.mqttPort))
    const acked = new Map<string, number>()
    const lastAck = new Map<string, number>()
    let stop = false
    const t0 = Date.now() - 60_000
    const streams = devices.map(async (d, k) => {
      const client = await mqtt.connectAsync(`mqtt://${haproxy!.url}`, { username: d.id, password: d.secret, clientId: d.id, clean: false, reconnectPeriod: 100 })
      clients.push(client)
      for (let m = 0; !stop; m++) {
        await client.publishAsync(deviceSamplesTopic('bench', d.id), encodePayload(Array.from({ length: 5 }, (_, i) => ({ kind: 'hr' as const, t: t0 + m * 10 + i * 2 + (k % 2), bpm: 100 }))), { qos: 1 })
        acked.set(d.id, (acked.get(d.id) ?? 0) + 5)
        lastAck.set(d.id, Date.now())
        await new Promise((r) => setTimeout(r, 20))
      }
    })
    await new Promise((r) => setTimeout(r, 3_000))
    const killedAt = Date.now()
    nodes[1]!.child.kill('SIGKILL')
    await rm(nodes[1]!.dir, { recursive: true, force: true })
    // Devices back: every device acknowledged after the kill (those of the dead node had to reconnect first).
    while (devices.some((d) => (lastAck.get(d.id) ?? 0) <= killedAt + 100)) await new Promise((r) => setTimeout(r, 20))
    const devicesBackMs = Date.now() - killedAt
    stop = true
    await Promise.all(streams)
    const total = [...acked.values()].reduce((a, b) => a + b, 0)
    // Counted in InfluxDB, distinct: a sample sent again after a reconnect is one point, however often written.
    const influx = new InfluxClient({ url: influxUrl, database })
    try {
      for (;;) {
        const stored = Number(rowsOf(await influx.query('SELECT count(bpm) FROM hr'))[0]?.count ?? 0)
        if (stored >= total) break
        if (Date.now() - killedAt > 120_000) throw new Error(`failover: ${stored} of ${total} samples stored two minutes after the kill`)
        await new Promise((r) => setTimeout(r, 50))
      }
    } finally {
      await influx.close()
    }
    return { devicesBackMs, allStoredMs: Date.now() - killedAt }
  } finally {
    for (const c of clients) c.end(true)
    await haproxy?.stop()
    for (const n of nodes) await stopChild(n.child)
    await Promise.all([nats.stop(), redis.stop()])
    await rm(dir, { recursive: true, force: true })
  }
}

export async function clusterBench(influxUrl: string, log: (line: string) => void, runs: number, scale: number): Promise<string[]> {
  for (const engine of ['redis-server', 'nats-server', 'haproxy']) ensureDebianBinary(engine, engine, true, log)
  const messagesPerDevice = Math.max(10, Math.round(100 * scale))
  const figures: Record<Mode, ClusterFigure[]> = { local: [], cluster1: [], cluster3: [] }
  for (let r = 1; r <= runs; r++) {
    for (const mode of ['local', 'cluster1', 'cluster3'] as const) {
      log(`run ${r}/${runs}: cluster, ${mode}, ${DEVICES} devices × ${messagesPerDevice} messages of ${SAMPLES_PER_MESSAGE} samples`)
      figures[mode].push(await runOnce(influxUrl, mode, messagesPerDevice))
    }
  }
  const failovers: Failover[] = []
  for (let r = 1; r <= runs; r++) {
    log(`run ${r}/${runs}: cluster failover, a node killed with its disk under 60 devices`)
    failovers.push(await failoverOnce(influxUrl))
  }
  const rate = (m: Mode) => median(figures[m].map((f) => f.rate))
  const cpu = (m: Mode) => {
    const keys = Object.keys(figures[m][0]!.cpu)
    return keys.map((k) => `${k} ${median(figures[m].map((f) => f.cpu[k]!)).toFixed(1)}`).join(', ')
  }
  const name = { local: 'one node, local log', cluster1: 'one node in cluster mode', cluster3: 'three nodes behind HAProxy' }
  return [
    '',
    `Cluster (${DEVICES} devices, QoS 1, ${SAMPLES_PER_MESSAGE} samples a message, counted in InfluxDB; medians of ${runs}; every process on this machine's 2 cores):`,
    '',
    '| setup | samples/s | vs one node | CPU µs per sample, by process |',
    '|---|---|---|---|',
    ...(['local', 'cluster1', 'cluster3'] as const).map((m) => `| ${name[m]} | ${Math.round(rate(m)).toLocaleString('en')} | ${(rate(m) / rate('local')).toFixed(2)} | ${cpu(m)} |`),
    '',
    `Failover (three nodes, the default cluster.heartbeatMs 1 s and nodeTtlMs 5 s; the node killed, with its directory, could not reach InfluxDB, so all it acknowledged ` +
      `was in its log): every device acknowledged again ${(median(failovers.map((f) => f.devicesBackMs)) / 1000).toFixed(2)} s after the kill, and every acknowledged sample ` +
      `was in InfluxDB ${(median(failovers.map((f) => f.allStoredMs)) / 1000).toFixed(2)} s after it (runs ${failovers.map((f) => `${(f.devicesBackMs / 1000).toFixed(2)}/${(f.allStoredMs / 1000).toFixed(2)}`).join(', ')}).`,
  ]
}
