/**
 * Cluster mode's promise: a PUBACK means the sample is on more than one machine. Three ingest nodes (child
 * processes) behind HAProxy, their logs as JetStream streams replicated to three NATS servers, Redis between
 * the brokers. Devices stream QoS 1 samples through the load balancer; one node, which cannot reach InfluxDB
 * (so everything it acknowledged is still in its log), is SIGKILLed and its data directory deleted. Its
 * devices reconnect to the others and go on; another node adopts its log and ships it. Every acknowledged
 * sample is then in InfluxDB, exactly once per timestamp. Real nats-server 2.9, Redis 7, HAProxy 2.6, InfluxDB.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { ChildProcess } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { freePort, rowsOf, type InfluxClient } from '@pulseline/influx'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import type { IngestOptions } from '@pulseline/ingest'
import { freshDatabase } from '../setup/influx.js'
import { ingestOptions, spawnIngest, stopChild, writeIdentities } from '../setup/ingest.js'
import { startHaproxy, startNatsCluster, startRedis, type Engine, type NatsCluster } from './engines.js'

const GYM = 'chain-2'
const DEVICES = Array.from({ length: 12 }, (_, i) => ({ id: `strap-${i + 1}`, gym: GYM, kind: 'strap', secret: `secret-strap-${i + 1}` }))
const NODE_TTL_MS = 1_500
const HEARTBEAT_MS = 250

describe('ingest cluster: a node killed with its disk', () => {
  let nats: NatsCluster
  let redis: Engine & { url: string }
  let haproxy: Engine & { url: string }
  let influx: InfluxClient
  const nodes: Array<{ name: string; options: IngestOptions; child: ChildProcess }> = []

  beforeAll(async () => {
    ;[nats, redis] = await Promise.all([startNatsCluster(3), startRedis()])
    influx = await freshDatabase('replicated')
    let identities = ''
    for (const name of ['node-1', 'node-2', 'node-3']) {
      const options = await ingestOptions(inject('influxUrl'), influx.options.database)
      identities ||= options.identities.file
      options.identities.file = identities
      Object.assign(options.mqtt, { port: await freePort(), wsEnabled: false })
      options.http.port = await freePort()
      options.log.maxBytes = 256 * 1024 * 1024 // each NATS server here stores 2 GB at most
      options.cluster = { ...options.cluster, nodeId: name, redisUrl: redis.url, natsUrls: nats.urls, heartbeatMs: HEARTBEAT_MS, nodeTtlMs: NODE_TTL_MS }
      // node-2 cannot reach InfluxDB: all it acknowledges stays in its log until it dies and is adopted.
      if (name === 'node-2') options.influx.url = `http://127.0.0.1:${await freePort()}`
      nodes.push({ name, options, child: undefined as unknown as ChildProcess })
    }
    await writeIdentities(identities, DEVICES)
    for (const node of nodes) node.child = await spawnIngest(node.options, join(node.options.log.dir, '..', 'ingest.json'))
    haproxy = await startHaproxy(nodes.map((n) => n.options.mqtt.port))
  }, 90_000)
  afterAll(async () => {
    await haproxy?.stop()
    for (const n of nodes) if (n.child) await stopChild(n.child)
    await Promise.all([nats?.stop(), redis?.stop()])
    await influx?.close()
  })

  it('loses no acknowledged sample, and the devices go on through the other nodes', async () => {
    const acked = new Map<string, number>()
    let stop = false
    const t0 = Date.now() - 120_000
    const streams = DEVICES.map(async (d, k) => {
      const client = await mqtt.connectAsync(`mqtt://${haproxy.url}`, { username: d.id, password: d.secret, clientId: d.id, clean: false, reconnectPeriod: 200, connectTimeout: 5_000 })
      for (let m = 0; !stop; m++) {
        const samples = Array.from({ length: 5 }, (_, i) => ({ kind: 'hr' as const, t: t0 + m * 10 + i * 2 + (k % 2), bpm: 100 + i }))
        await client.publishAsync(deviceSamplesTopic(GYM, d.id), encodePayload(samples), { qos: 1 })
        acked.set(d.id, (acked.get(d.id) ?? 0) + samples.length)
        await new Promise((r) => setTimeout(r, 20))
      }
      await client.endAsync()
    })
    await new Promise((r) => setTimeout(r, 3_000))
    const victim = nodes[1]!
    const killedAt = Date.now()
    victim.child.kill('SIGKILL')
    await rm(join(victim.options.log.dir, '..'), { recursive: true, force: true })
    const ackedAtKill = [...acked.values()].reduce((a, b) => a + b, 0)
    // The devices go on through the other nodes for a while.
    await new Promise((r) => setTimeout(r, 4_000))
    stop = true
    await Promise.all(streams)
    const total = [...acked.values()].reduce((a, b) => a + b, 0)
    expect(total).toBeGreaterThan(ackedAtKill + 1_000)

    const stored = async () => {
      const rows = rowsOf(await influx.query(`SELECT count(bpm) FROM hr WHERE time >= ${t0}ms GROUP BY device`)) as Array<{ device?: string; count: number }>
      return Object.fromEntries(rows.map((r) => [r.device, Number(r.count)]))
    }
    await expect.poll(stored, { timeout: 30_000, interval: 500 }).toEqual(Object.fromEntries(DEVICES.map((d) => [d.id, acked.get(d.id)])))
    // The dead node's heartbeat expires (NODE_TTL_MS), the next look (HEARTBEAT_MS) claims its log, and it
    // ships; the devices streamed for 4 s of this and disconnected.
    const complete = Date.now() - killedAt
    // One survivor, not both, claimed the dead node's log.
    const adopted = async (n: (typeof nodes)[number]) => Number(/^pulseline_cluster_adopted_logs_total (\S+)$/m.exec(await (await fetch(`http://127.0.0.1:${n.options.http.port}/metrics`)).text())?.[1] ?? NaN)
    expect((await adopted(nodes[0]!)) + (await adopted(nodes[2]!))).toBe(1)
    console.log(`cluster: ${total} samples acknowledged, ${ackedAtKill} before the kill; all in InfluxDB ${complete} ms after it`)
    expect(complete).toBeLessThan(4_000 + NODE_TTL_MS + HEARTBEAT_MS + 10_000)
  }, 90_000)
})
