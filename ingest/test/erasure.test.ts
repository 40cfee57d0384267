/**
 * A member's erasure, end to end on a real InfluxDB and a real broker: what was stored, what was still in
 * ingest's log when the erasure came (InfluxDB unreachable behind a paused proxy), what a device sent after
 * it (a gateway's outbox draining late) and what was dead-lettered: none of it survives, anywhere ingest
 * keeps data, and the other member who wore the same strap keeps every sample of theirs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { pino } from 'pino'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import { deviceSamplesTopic, encodePayload, gymErasuresTopic, pointLine, type Sample } from '@pulseline/protocol'
import { SqliteRegistry } from '@pulseline/registry'
import { startIngest, type IngestOptions, type IngestService } from '@pulseline/ingest'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions } from '../../test/setup/ingest.js'
import { pausableProxy, type PausableProxy } from '../../test/setup/pausable-proxy.js'
import { inject } from 'vitest'

describe('member erasure', () => {
  let influx: InfluxClient
  let registry: SqliteRegistry
  let service: IngestService
  let proxy: PausableProxy
  let options: IngestOptions
  const secrets = new Map<string, string>()
  const t0 = Date.now() - 3_600_000
  const annUntil = t0 + 600_000 // ann wore pool-1 for ten minutes, then bob

  beforeAll(async () => {
    registry = SqliteRegistry.open(':memory:')
    await registry.createGym({ id: 'g', name: 'G', timezone: 'UTC' })
    for (const id of ['ann', 'bob']) await registry.createUser({ id, gymId: 'g', role: 'member', displayName: id, login: null })
    await registry.createDevice({ id: 'pool-1', gymId: 'g', kind: 'strap', address: null, serial: null, ownerUserId: null, pool: true })
    await registry.createDevice({ id: 'ann-watch', gymId: 'g', kind: 'watch', address: null, serial: null, ownerUserId: 'ann', pool: false })
    await registry.createDevice({ id: 'gw', gymId: 'g', kind: 'gateway', address: null, serial: null, ownerUserId: null, pool: false })
    for (const d of ['pool-1', 'ann-watch', 'gw']) secrets.set(d, await registry.issueCredential(d))
    await registry.assign('pool-1', 'ann', t0)
    await registry.assign('pool-1', 'bob', annUntil)
    influx = await freshDatabase('erasure')
    proxy = await pausableProxy(inject('influxUrl'))
    options = await ingestOptions(proxy.url, influx.options.database)
    options.identities.registryPollMs = 100
    options.erasure.graceMs = 300
    options.writer.lingerMs = 0
    options.writer.maxInFlight = 2 // two requests hang on the paused proxy; what comes after them waits in the log
    service = await startIngest(options, { registry, logger: pino({ level: 'silent' }) })
  })
  afterAll(async () => {
    await service?.close()
    await proxy?.close()
    await influx?.close()
    await registry?.close()
  })

  const publish = async (device: string, samples: Sample[], username = device) => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${service.mqttPort}`, { username, password: secrets.get(username), reconnectPeriod: 0 })
    await client.publishAsync(deviceSamplesTopic('g', device), encodePayload(samples), { qos: 1 })
    await client.endAsync()
  }
  const hr = (from: number, n: number, bpm = 100): Sample[] => Array.from({ length: n }, (_, i) => ({ kind: 'hr', t: from + i * 1000, bpm: bpm + (i % 20) }))
  const count = async (where: string) => {
    let n = 0
    for (const m of ['hr', 'rr', 'steps', 'device_status', 'effort', 'hr_1m']) n += rowsOf(await influx.query(`SELECT * FROM "${m}" WHERE ${where}`)).length
    return n
  }

  it('leaves nothing of the member in InfluxDB, the log, the dead letters or late arrivals, and all of the other wearer', async () => {
    // Stored: ann on the pool strap and her own watch, bob after her; derived series of both (as analytics writes them).
    await publish('pool-1', hr(t0, 20))
    await publish('pool-1', hr(annUntil + 1000, 15, 120))
    await publish('ann-watch', [...hr(t0 + 5000, 10, 80), { kind: 'steps', t: t0, total: 100 }])
    await influx.write(
      [
        pointLine('effort', { gym: 'g', member: 'ann', session: 's' }, { points: 3 }, t0 + 60_000),
        pointLine('hr_1m', { device: 'pool-1', gym: 'g', member: 'ann' }, { mean: 110 }, t0),
        pointLine('effort', { gym: 'g', member: 'bob', session: 's' }, { points: 4 }, annUntil + 60_000),
      ].join(''),
    )
    await expect.poll(() => count(`"member" = 'ann'`), { timeout: 10_000 }).toBe(20 + 11 + 2)
    await expect.poll(() => count(`"member" = 'bob'`), { timeout: 10_000 }).toBe(15 + 1)
    // A refused payload of hers, kept as a dead letter.
    await publish('ann-watch', [{ kind: 'hr', t: t0 + 1, bpm: 900 }])

    // InfluxDB becomes unreachable: what arrives now waits in ingest's log, acknowledged, with ann's tag.
    proxy.pause()
    await publish('pool-1', hr(t0 + 100_000, 10))
    await publish('pool-1', hr(annUntil + 100_000, 5, 130))
    await publish('ann-watch', hr(t0 + 200_000, 5, 85))
    expect(service.log.backlogBytes).toBeGreaterThan(0)

    // ann asks for her erasure (the REST route calls exactly this).
    const erasure = await registry.eraseUser('ann', 'ann')
    await new Promise((r) => setTimeout(r, 300)) // ingest reads it from the change feed
    // Late: the strap's samples from her time, arriving now through the gym's gateway (an outbox drains).
    await publish('pool-1', hr(t0 + 300_000, 5), 'gw')
    // ... and a sample of her watch, which no longer exists, from the gateway too: dropped, not dead-lettered.
    await publish('ann-watch', hr(t0 + 400_000, 3, 90), 'gw')
    // Gateways are told which device intervals to purge from their outboxes.
    const gateway = await mqtt.connectAsync(`mqtt://127.0.0.1:${service.mqttPort}`, { username: 'gw', password: secrets.get('gw'), reconnectPeriod: 0 })
    const lists: Array<{ intervals: Array<{ device: string; fromMs: number; toMs: number }> }> = []
    gateway.on('message', (_t, p) => lists.push(JSON.parse(p.toString())))
    await gateway.subscribeAsync(gymErasuresTopic('g'), { qos: 1 })
    await expect.poll(() => lists.at(-1)?.intervals.map((i) => i.device).sort(), { timeout: 3000 }).toEqual(['ann-watch', 'pool-1'])
    expect(lists.at(-1)!.intervals.find((i) => i.device === 'pool-1')).toMatchObject({ fromMs: t0, toMs: annUntil })
    await gateway.endAsync()

    proxy.resume()
    await expect.poll(async () => (await registry.erasures()).find((e) => e.id === erasure.id)?.completedMs ?? null, { timeout: 20_000 }).not.toBeNull()

    // InfluxDB: nothing tagged with her, nothing of her watch, nothing untagged from her time on the strap.
    expect(await count(`"member" = 'ann'`)).toBe(0)
    expect(rowsOf(await influx.query(`SHOW SERIES WHERE "member" = 'ann'`)).length).toBe(0)
    expect(await count(`"device" = 'ann-watch'`)).toBe(0)
    expect(await count(`"device" = 'pool-1' AND time >= ${t0}ms AND time <= ${annUntil}ms`)).toBe(0)
    // bob, who wore the same strap, keeps everything: stored before, and what waited in the log.
    expect(await count(`"member" = 'bob'`)).toBe(15 + 1 + 5)
    // The log: no file holds a line of hers, the active segment included.
    const logFiles = await readdir(options.log.dir)
    for (const f of logFiles) expect((await readFile(join(options.log.dir, f))).includes('member=ann'), f).toBe(false)
    // The dead letters: none of her devices' letters are left.
    const letters: string[] = []
    for await (const l of service.deadLetters.letters()) letters.push(l.device ?? '')
    expect(letters).not.toContain('ann-watch')
    const text = await service.metrics.registry.metrics()
    expect(Number(/pulseline_ingest_rejected_total\{reason="PL_SAMPLE_ERASED"\} (\d+)/.exec(text)?.[1])).toBe(5 + 1)
    // What still waited in the log was never written: at least the 5 lines appended after the shipper's two
    // in-flight requests (which hang on the paused proxy, are written when it resumes, and go with the DROP).
    expect(Number(/^pulseline_erasure_dropped_lines_total (\d+)/m.exec(text)?.[1])).toBeGreaterThanOrEqual(5)
    // The registry keeps the record (ids and times only) and the audit trail.
    expect(await registry.user('ann')).toBeUndefined()
    expect((await registry.auditAbout('ann')).map((a) => a.action)).toEqual(['member.erase', 'member.erase.completed'])
  }, 60_000)
})
