/**
 * A PUBACK in cluster mode means a majority of the NATS servers hold the sample. With two of three servers
 * gone there is no majority: ingest acknowledges nothing (the device keeps its sample and sends it again),
 * and /healthz says 503. Real nats-server 2.9 and InfluxDB.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import mqtt from 'mqtt'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import type { IngestService } from '@pulseline/ingest'
import { freshDatabase } from '../setup/influx.js'
import { ingestOptions, startTestIngest, writeIdentities } from '../setup/ingest.js'
import { startNatsCluster, type NatsCluster } from './engines.js'

describe('cluster mode without a quorum', () => {
  let nats: NatsCluster
  let influx: InfluxClient
  let ingest: IngestService

  beforeAll(async () => {
    nats = await startNatsCluster(3)
    influx = await freshDatabase('quorum')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    options.log.maxBytes = 64 * 1024 * 1024
    options.cluster = { ...options.cluster, nodeId: 'lonely', natsUrls: nats.urls, publishTimeoutMs: 1_000 }
    await writeIdentities(options.identities.file, [{ id: 'strap-q', gym: 'q', kind: 'strap', secret: 'secret-q' }])
    ingest = await startTestIngest(options)
  }, 60_000)
  afterAll(async () => {
    await ingest?.close()
    await nats?.stop()
    await influx?.close()
  })

  it('acknowledges nothing it cannot replicate, and says so on /healthz', async () => {
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'strap-q', password: 'secret-q', clientId: 'strap-q', reconnectPeriod: 0 })
    const t0 = Date.now() - 10_000
    await device.publishAsync(deviceSamplesTopic('q', 'strap-q'), encodePayload([{ kind: 'hr', t: t0, bpm: 90 }]), { qos: 1 })
    expect((await fetch(`http://127.0.0.1:${ingest.httpPort}/healthz`)).status).toBe(200)
    const stored = async () => rowsOf(await influx.query(`SELECT bpm FROM hr WHERE device = 'strap-q'`)).map((r) => r.bpm)
    // Shipped before the quorum goes: without one, JetStream serves no reads either, and the backlog waits.
    await expect.poll(stored, { timeout: 10_000 }).toEqual([90])

    await nats.servers[1]!.stop()
    await nats.servers[2]!.stop()
    const outcome = await Promise.race([
      device.publishAsync(deviceSamplesTopic('q', 'strap-q'), encodePayload([{ kind: 'hr', t: t0 + 1000, bpm: 91 }]), { qos: 1 }).then(
        () => 'acknowledged',
        () => 'refused',
      ),
      new Promise((r) => setTimeout(() => r('no PUBACK'), 5_000)),
    ])
    expect(outcome).not.toBe('acknowledged')
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${ingest.httpPort}/healthz`)).status, { timeout: 5_000 }).toBe(503)
    // What was not acknowledged is the device's to send again: nothing of it was stored.
    expect(await stored()).toEqual([90])
    device.end(true)
  }, 40_000)
})
