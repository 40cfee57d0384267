/**
 * A gateway's health over MQTT: stored as `pipeline` points under the gateway's metric names with its id and
 * gym, at most one message per gateway per interval; malformed ones (every way a field can be wrong) are
 * dead-lettered and acknowledged, and the connection stays up. Only the gateway itself may publish there.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import fc from 'fast-check'
import mqtt, { type MqttClient } from 'mqtt'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { gatewayHealthTopic } from '@pulseline/protocol'
import type { IngestService } from '@pulseline/ingest'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions, startTestIngest, writeIdentities } from '../../test/setup/ingest.js'

const GYM = 'gym-h'

describe('gateway health', () => {
  let ingest: IngestService
  let influx: InfluxClient
  let gateway: MqttClient

  beforeAll(async () => {
    influx = await freshDatabase('health')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database, { writer: { lingerMs: 0, backoffInitialMs: 20, backoffMaxMs: 200 } })
    await writeIdentities(options.identities.file, [], [], [{ id: 'gw-1', gym: GYM, secret: 'gw-1-secret' }, { id: 'gw-2', gym: GYM, secret: 'gw-2-secret' }])
    ingest = await startTestIngest(options)
    gateway = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'gw-1', password: 'gw-1-secret', clientId: 'gw-1', reconnectPeriod: 0 })
  })
  afterAll(async () => {
    await gateway?.endAsync()
    await ingest?.close()
  })

  const letters = async () => {
    const out = []
    for await (const l of ingest.deadLetters.letters()) out.push(l)
    return out
  }

  it('stores one message per interval as pipeline points with the gateway id, gym and its metric names', async () => {
    const topic = gatewayHealthTopic(GYM, 'gw-1')
    const before = Date.now()
    await gateway.publishAsync(topic, JSON.stringify({ at: Date.now(), outboxSamples: 1234, outboxDroppedSamples: 5, connectedDevices: 7 }), { qos: 1 })
    // A second one straight after is acknowledged and dropped.
    await gateway.publishAsync(topic, JSON.stringify({ at: Date.now(), outboxSamples: 999, outboxDroppedSamples: 5, connectedDevices: 7 }), { qos: 1 })
    const deadline = Date.now() + 10_000
    let rows: Array<Record<string, unknown>> = []
    while (Date.now() < deadline) {
      rows = rowsOf(await influx.query(`SELECT "value", "gateway", "gym", "service" FROM "pipeline" WHERE "metric" = 'pulseline_gateway_outbox_samples'`))
      if (rows.length > 0 && ingest.log.backlogBytes === 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ value: 1234, gateway: 'gw-1', gym: GYM, service: 'gateway' })
    expect(Number(rows[0]!.time)).toBeGreaterThanOrEqual(before)
    const others = rowsOf(await influx.query(`SELECT last("value") FROM "pipeline" WHERE "gateway" = 'gw-1' GROUP BY "metric"`))
    expect(Object.fromEntries(others.map((r) => [r.metric, r.last]))).toEqual({ pulseline_gateway_outbox_samples: 1234, pulseline_gateway_outbox_dropped_samples: 5, pulseline_gateway_connected_devices: 7 })
    expect(await ingest.metrics.droppedHealth.get().then((m) => m.values[0]?.value)).toBe(1)
  })

  it('dead-letters every malformed message, acknowledges it, and keeps the connection', async () => {
    const valid = { at: Date.now(), outboxSamples: 1, outboxDroppedSamples: 0, connectedDevices: 1 }
    const fields = ['at', 'outboxSamples', 'outboxDroppedSamples', 'connectedDevices'] as const
    const broken = fc.oneof(
      fc.record({ field: fc.constantFrom(...fields), value: fc.oneof(fc.constant(-1), fc.constant(1.5), fc.string(), fc.constant(null), fc.constant(1e16), fc.array(fc.nat())) }).map(({ field, value }) => JSON.stringify({ ...valid, [field]: value })),
      fc.constantFrom(...fields).map((field) => JSON.stringify({ ...valid, [field]: undefined })),
      fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !(fields as readonly string[]).includes(k)).map((key) => JSON.stringify({ ...valid, [key]: 1 })),
      fc.string().filter((s) => { try { JSON.parse(s); return false } catch { return true } }),
      fc.constant(JSON.stringify({ ...valid, padding: 'x'.repeat(2000) })),
    )
    const sent = fc.sample(broken, 60)
    const lettersBefore = (await letters()).length
    for (const payload of sent) await gateway.publishAsync(gatewayHealthTopic(GYM, 'gw-1'), payload, { qos: 1 })
    expect(gateway.connected).toBe(true)
    const after = await letters()
    expect(after.length - lettersBefore).toBe(sent.length)
    expect(after.slice(lettersBefore).every((l) => l.reason === 'PL_MESSAGE_INVALID' && l.client === 'gw-1')).toBe(true)
  })

  it("refuses another gateway's health topic (connection closed)", async () => {
    const other = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.mqttPort}`, { username: 'gw-2', password: 'gw-2-secret', clientId: 'gw-2', reconnectPeriod: 0 })
    const closed = new Promise<void>((resolve) => other.once('close', () => resolve()))
    other.publish(gatewayHealthTopic(GYM, 'gw-1'), JSON.stringify({ at: Date.now(), outboxSamples: 0, outboxDroppedSamples: 0, connectedDevices: 0 }), { qos: 1 })
    await closed
    other.end(true)
  })
})
