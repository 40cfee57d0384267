/**
 * InfluxDB goes away while devices publish: samples are still acknowledged (they are durable in the log),
 * the backlog is visible in /healthz and /metrics, and everything drains once InfluxDB is back.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { InfluxClient, freePort, rowsOf, startLocalInflux, type LocalInflux } from '@pulseline/influx'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import type { IngestService } from '@pulseline/ingest'
import { ingestOptions, startTestIngest, writeIdentities } from '../../test/setup/ingest.js'

describe('an InfluxDB outage', () => {
  let influx: LocalInflux | undefined
  let service: IngestService | undefined
  let dir: string
  afterAll(async () => {
    await service?.close()
    await influx?.stop()
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps acknowledging into the log, reports the backlog, and drains it when InfluxDB returns', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pl-outage-'))
    const port = await freePort()
    influx = await startLocalInflux({ dir, port })
    const options = await ingestOptions(influx.url, 'outage')
    await writeIdentities(options.identities.file, [{ id: 'dev-1', gym: 'g', kind: 'strap', secret: 's' }])
    service = await startTestIngest(options)
    await influx.stop()
    influx = undefined

    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${service.mqttPort}`, { username: 'dev-1', password: 's' })
    const t0 = Date.now() - 3_600_000
    for (let m = 0; m < 50; m++) {
      const samples = Array.from({ length: 20 }, (_, i) => ({ kind: 'hr' as const, t: t0 + (m * 20 + i) * 1000, bpm: 70 + i }))
      await client.publishAsync(deviceSamplesTopic('g', 'dev-1'), encodePayload(samples), { qos: 1 })
    }
    await client.endAsync()

    await expect.poll(async () => (await (await fetch(`http://127.0.0.1:${service!.httpPort}/healthz`)).json()).influx.reachable, { timeout: 10_000 }).toBe(false)
    expect(service.log.backlogBytes).toBeGreaterThan(0)
    const metrics = await service.metrics.registry.metrics()
    expect(metrics).toMatch(/pulseline_writer_errors_total\{kind="retry",code="PL_INFLUX_UNAVAILABLE"\} [1-9]/)

    influx = await startLocalInflux({ dir, port })
    const reader = new InfluxClient({ url: influx.url, database: 'outage' })
    await expect
      .poll(async () => rowsOf(await reader.query('SELECT count(bpm) FROM hr').catch(() => []))[0]?.count ?? 0, { timeout: 20_000, interval: 200 })
      .toBe(1000)
    await expect.poll(() => service!.log.backlogBytes, { timeout: 5_000 }).toBe(0)
    await reader.close()
  }, 60_000)
})
