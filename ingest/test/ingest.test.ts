import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { inject } from 'vitest'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import type { IngestService, DeadLetter } from '@pulseline/ingest'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions, startTestIngest, writeIdentities, type TestDevice } from '../../test/setup/ingest.js'

const devices: TestDevice[] = [
  { id: 'strap-1', gym: 'gym-a', kind: 'strap', secret: 's1' },
  { id: 'strap-2', gym: 'gym-a', kind: 'strap', secret: 's2' },
]

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function metric(service: IngestService, name: string, labels = ''): Promise<number> {
  const text = await service.metrics.registry.metrics()
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)))
  return line ? Number(line.split(' ').pop()) : 0
}

describe('ingest against real InfluxDB and real MQTT', () => {
  let influx: InfluxClient
  let service: IngestService
  beforeAll(async () => {
    influx = await freshDatabase('ingest')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    options.http.token = 'operator-token'
    options.deadLetters.servePayloads = true
    await writeIdentities(options.identities.file, devices, [{ id: 'viewer', secret: 'v', subscribe: ['pulseline/gym-a/#'], publish: [] }])
    service = await startTestIngest(options)
  })
  afterAll(async () => {
    await service.close()
    await influx.close()
  })

  const connect = (username: string, password: string, extra: mqtt.IClientOptions = {}) =>
    mqtt.connectAsync(`mqtt://127.0.0.1:${service.mqttPort}`, { username, password, reconnectPeriod: 0, ...extra })

  it('accepts valid samples, acknowledges them, and writes them to InfluxDB', async () => {
    const client = await connect('strap-1', 's1')
    const t0 = Date.now() - 60_000
    const samples = Array.from({ length: 30 }, (_, i) => ({ kind: 'hr' as const, t: t0 + i * 1000, bpm: 100 + i, rr_ms: [600] }))
    await client.publishAsync(deviceSamplesTopic('gym-a', 'strap-1'), encodePayload(samples), { qos: 1 })
    await client.endAsync()
    await until(async () => (rowsOf(await influx.query(`SELECT count(bpm) FROM hr WHERE device='strap-1'`))[0]?.count ?? 0) === 30)
    await until(async () => (rowsOf(await influx.query(`SELECT count(rr_ms) FROM rr WHERE device='strap-1'`))[0]?.count ?? 0) === 30)
  })

  it('accepts devices over MQTT on WebSocket too', async () => {
    const client = await mqtt.connectAsync(`ws://127.0.0.1:${service.wsPort}`, { username: 'strap-2', password: 's2', reconnectPeriod: 0 })
    const t = Date.now() - 120_000
    await client.publishAsync(deviceSamplesTopic('gym-a', 'strap-2'), encodePayload([{ kind: 'status', t, battery_pct: 55 }]), { qos: 1 })
    await client.endAsync()
    await until(async () => (rowsOf(await influx.query(`SELECT battery_pct FROM device_status WHERE device='strap-2'`))[0]?.battery_pct ?? 0) === 55)
  })

  it('refuses a wrong secret and an unknown device with the same CONNACK, counted separately', async () => {
    await expect(connect('strap-1', 'nope')).rejects.toThrow(/Bad username or password/i)
    await expect(connect('ghost', 'x')).rejects.toThrow(/Bad username or password/i)
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_AUTH_FAILED"}')).toBe(1)
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_AUTH_UNKNOWN_DEVICE"}')).toBe(1)
  })

  it('closes the connection of a device publishing under another device, and dead-letters it', async () => {
    const client = await connect('strap-1', 's1')
    const closed = new Promise<void>((r) => client.once('close', () => r()))
    client.publish(deviceSamplesTopic('gym-a', 'strap-2'), encodePayload([{ kind: 'hr', t: Date.now(), bpm: 80 }]), { qos: 1 })
    await closed
    client.end(true)
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_ACL_PUBLISH"}')).toBe(1)
    const letters: DeadLetter[] = []
    for await (const l of service.deadLetters.letters()) letters.push(l)
    expect(letters.some((l) => l.reason === 'PL_ACL_PUBLISH' && l.device === 'strap-1' && l.topic?.includes('strap-2'))).toBe(true)
  })

  it("refuses a client id that is another identity's, and lets the same identity take its own over", async () => {
    const first = await connect('strap-1', 's1', { clientId: 'strap-1@phone' })
    await expect(connect('strap-2', 's2', { clientId: 'strap-1@phone' })).rejects.toThrow(/Identifier rejected/i)
    await expect(connect('strap-2', 's2', { clientId: 'strap-1' })).rejects.toThrow(/Identifier rejected/i)
    expect(first.connected).toBe(true)
    const again = await connect('strap-1', 's1', { clientId: 'strap-1@phone' })
    expect(again.connected).toBe(true)
    await again.endAsync()
    first.end(true)
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_CLIENT_ID_NOT_OWN"}')).toBe(2)
    // A free-form client id belongs to the identity that used it first, connected or not.
    await (await connect('strap-1', 's1', { clientId: 'phone-app-7' })).endAsync()
    await expect(connect('strap-2', 's2', { clientId: 'phone-app-7' })).rejects.toThrow(/Identifier rejected/i)
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_CLIENT_ID_IN_USE"}')).toBe(1)
  })

  it('acknowledges malformed and out-of-range payloads, dead-letters them, and forwards only valid samples', async () => {
    const viewer = await connect('viewer', 'v')
    const seen: string[] = []
    viewer.on('message', (topic, payload) => seen.push(`${topic} ${payload}`))
    await viewer.subscribeAsync('pulseline/gym-a/#', { qos: 1 })
    const client = await connect('strap-2', 's2')
    const topic = deviceSamplesTopic('gym-a', 'strap-2')
    const t = Date.now() - 1000
    await client.publishAsync(topic, '{"v":1,"samples":[', { qos: 1 })
    await client.publishAsync(topic, encodePayload([{ kind: 'hr', t, bpm: 400 } as never, { kind: 'hr', t: t + 1, bpm: 90 }]), { qos: 1 })
    expect(client.connected).toBe(true)
    await client.endAsync()
    await until(() => seen.length >= 1)
    await new Promise((r) => setTimeout(r, 200))
    expect(seen).toHaveLength(1)
    expect(JSON.parse(seen[0]!.slice(topic.length + 1)).samples).toEqual([{ kind: 'hr', t: t + 1, bpm: 90 }])
    await viewer.endAsync()
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_PAYLOAD_NOT_JSON"}')).toBe(1)
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_SAMPLE_OUT_OF_RANGE"}')).toBe(1)
    await until(async () => (rowsOf(await influx.query(`SELECT count(bpm) FROM hr WHERE device='strap-2'`))[0]?.count ?? 0) === 1)
    // The operator's view of the letters: newest first, reasons kept, refused bytes only on request.
    // Behind the operator's bearer token (security review M12).
    expect((await fetch(`http://127.0.0.1:${service.httpPort}/dead-letters?limit=10`)).status).toBe(401)
    expect((await fetch(`http://127.0.0.1:${service.httpPort}/dead-letters?limit=10`, { headers: { authorization: 'Bearer operator-tokeX' } })).status).toBe(401)
    const operator = { headers: { authorization: 'Bearer operator-token' } }
    const letters = (await (await fetch(`http://127.0.0.1:${service.httpPort}/dead-letters?limit=10`, operator)).json()).letters as Array<Record<string, unknown>>
    const mine = letters.filter((l) => l.device === 'strap-2')
    expect(mine.map((l) => l.reason)).toEqual(['PL_SAMPLE_OUT_OF_RANGE', 'PL_PAYLOAD_NOT_JSON'])
    expect(mine.every((l) => l.payload === undefined)).toBe(true)
    const withPayload = (await (await fetch(`http://127.0.0.1:${service.httpPort}/dead-letters?reason=PL_PAYLOAD_NOT_JSON&payload=1`, operator)).json()).letters
    expect(withPayload.map((l: { payload: string }) => l.payload)).toContain('{"v":1,"samples":[')
  })

  it('closes a connection that sends a packet above maxPacketBytes before buffering it', async () => {
    const client = await connect('strap-2', 's2')
    const closed = new Promise<void>((r) => client.once('close', () => r()))
    client.publish(deviceSamplesTopic('gym-a', 'strap-2'), Buffer.alloc(2 * 1024 * 1024, 32), { qos: 1 })
    await closed
    client.end(true)
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_PACKET_TOO_LARGE"}')).toBe(1)
  })

  it('denies subscriptions outside a service ACL and all subscriptions by devices', async () => {
    const viewer = await connect('viewer', 'v')
    await expect(viewer.subscribeAsync('pulseline/gym-b/#')).rejects.toThrow(/Subscribe error/)
    expect(viewer.connected).toBe(true)
    await viewer.endAsync()
    const device = await connect('strap-1', 's1')
    await expect(device.subscribeAsync('pulseline/#')).rejects.toThrow(/Subscribe error/)
    await device.endAsync()
    expect(await metric(service, 'pulseline_ingest_rejected_total', '{reason="PL_ACL_SUBSCRIBE"}')).toBe(2)
  })

  it('serves /healthz and /metrics', async () => {
    const health = await fetch(`http://127.0.0.1:${service.httpPort}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', influx: { reachable: true } })
    const text = await (await fetch(`http://127.0.0.1:${service.httpPort}/metrics`)).text()
    expect(text).toContain('pulseline_log_backlog_bytes')
  })
})
