/**
 * End to end, on real parts and nothing mocked in between: a simulated gym of 50 devices streams
 * 10 simulated minutes over MQTT/TCP into ingest (a separate process) and on into a real InfluxDB.
 * Bad input is thrown at it on the side, and ingest is killed with SIGKILL mid-stream and restarted.
 * Every acknowledged point must be in InfluxDB exactly once, per device and measurement.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import mqtt from 'mqtt'
import { freePort, type InfluxClient } from '@pulseline/influx'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { planGym, runGym } from '@pulseline/firmware-sim'
import { DeadLetterStore, type DeadLetter } from '@pulseline/ingest'
import { freshDatabase } from '../setup/influx.js'
import { countsInInflux, flatten } from '../setup/counts.js'
import { ingestOptions, spawnIngest, stopChild, writeIdentities, type TestDevice } from '../setup/ingest.js'
import type { ChildProcess } from 'node:child_process'

const GYM = 'e2e-gym'

async function metric(httpPort: number, reason: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`pulseline_ingest_rejected_total{reason="${reason}"} `))
  return line ? Number(line.split(' ').pop()) : 0
}

describe('end to end: simulated gym → MQTT → ingest → InfluxDB', () => {
  let ingest: ChildProcess | undefined
  let influx: InfluxClient
  afterAll(async () => {
    if (ingest) await stopChild(ingest)
    await influx?.close()
  })

  it('stores every acknowledged point exactly once through bad input and a SIGKILL of ingest', async () => {
    influx = await freshDatabase('e2e')
    const startMs = Date.now() - 11 * 60_000
    const plan = planGym({ seed: 42, gym: GYM, members: 38, machines: 12, startMs })
    expect(plan.devices).toHaveLength(50)
    const devices: TestDevice[] = plan.devices.map((d) => ({ id: d.id, gym: GYM, kind: d.kind, secret: `secret-${d.id}` }))
    const intruder: TestDevice = { id: 'intruder', gym: GYM, kind: 'strap', secret: 'intruder-secret' }
    const options = await ingestOptions(inject('influxUrl'), influx.options.database, {})
    options.mqtt.port = await freePort()
    options.mqtt.wsEnabled = false
    options.http.port = await freePort()
    await writeIdentities(options.identities.file, [...devices, intruder])
    const configPath = join(await mkdtemp(join(tmpdir(), 'pl-e2e-')), 'ingest.json')
    ingest = await spawnIngest(options, configPath)
    const url = `mqtt://127.0.0.1:${options.mqtt.port}`

    let acked = 0
    const run = runGym({
      url,
      plan,
      secrets: new Map(devices.map((d) => [d.id, d.secret])),
      startMs,
      durationMs: 10 * 60_000,
      speedup: 60,
      samplesPerMessage: 10,
      maxInflight: 32,
      tickMs: 50,
      onAck: (_d, samples) => {
        acked += samples.length
      },
    })

    // Kill ingest with SIGKILL once a good part of the stream is acknowledged, then restart it.
    while (acked < 12_000) await new Promise((r) => setTimeout(r, 20))
    const crashed = ingest
    await stopChild(crashed, 'SIGKILL')
    // It died of the signal, mid-stream: no handler of its own ran.
    expect(crashed.signalCode).toBe('SIGKILL')
    await new Promise((r) => setTimeout(r, 300))
    ingest = await spawnIngest(options, configPath)

    // Bad input from the side, against the restarted ingest, while the gym keeps streaming.
    const topic = deviceSamplesTopic(GYM, 'intruder')
    const bad = await mqtt.connectAsync(url, { username: 'intruder', password: 'intruder-secret', reconnectPeriod: 0 })
    await bad.publishAsync(topic, 'not json at all', { qos: 1 })
    await bad.publishAsync(topic, encodePayload([{ kind: 'hr', t: Date.now(), bpm: 999 } as never]), { qos: 1 })
    await bad.publishAsync(topic, Buffer.alloc(300 * 1024, 0x20), { qos: 1 }) // over maxPayloadBytes: dead-lettered, acked
    await expect(mqtt.connectAsync(url, { username: 'intruder', password: 'wrong', reconnectPeriod: 0 })).rejects.toThrow()
    const closed = new Promise<void>((r) => bad.once('close', () => r()))
    bad.publish(deviceSamplesTopic(GYM, plan.devices[0]!.id), encodePayload([{ kind: 'hr', t: Date.now(), bpm: 70 }]), { qos: 1 })
    await closed
    bad.end(true)
    const oversize = await mqtt.connectAsync(url, { username: 'intruder', password: 'intruder-secret', reconnectPeriod: 0 })
    const oversizeClosed = new Promise<void>((r) => oversize.once('close', () => r()))
    oversize.publish(topic, Buffer.alloc(options.mqtt.maxPacketBytes + 10, 0x20), { qos: 1 })
    await oversizeClosed
    oversize.end(true)

    const stats = await run
    expect(stats.samples).toBeGreaterThan(30_000)

    // Everything acknowledged reaches InfluxDB: wait for the log to drain, then compare exactly.
    const expected = flatten(stats.points)
    let actual: Record<string, number> = {}
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      actual = flatten(await countsInInflux(influx))
      if (Object.entries(expected).every(([k, n]) => actual[k] === n)) break
      await new Promise((r) => setTimeout(r, 500))
    }
    expect(actual).toEqual(expected)
    expect(Object.keys(expected).filter((k) => k.endsWith('/rr')).length).toBeGreaterThan(20)

    // Each refusal is counted with its reason.
    for (const reason of ['PL_PAYLOAD_NOT_JSON', 'PL_SAMPLE_OUT_OF_RANGE', 'PL_PAYLOAD_TOO_LARGE', 'PL_AUTH_FAILED', 'PL_ACL_PUBLISH', 'PL_PACKET_TOO_LARGE']) {
      expect([reason, await metric(options.http.port, reason)]).toEqual([reason, 1])
    }
    await stopChild(ingest)
    ingest = undefined

    // ... and kept as a dead letter with its reason.
    const store = await DeadLetterStore.open(options.deadLetters)
    const letters: DeadLetter[] = []
    for await (const l of store.letters()) letters.push(l)
    await store.close()
    expect(letters.map((l) => l.reason).sort()).toEqual(
      ['PL_ACL_PUBLISH', 'PL_PACKET_TOO_LARGE', 'PL_PAYLOAD_NOT_JSON', 'PL_PAYLOAD_TOO_LARGE', 'PL_SAMPLE_OUT_OF_RANGE'].sort(),
    )
    // nothing of the intruder's got into the series
    expect(actual['intruder/hr']).toBeUndefined()
  }, 180_000)
})
