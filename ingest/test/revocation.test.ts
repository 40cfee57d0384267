/**
 * Revoking or rotating a device's credential in the identities file disconnects its live MQTT clients
 * within seconds, and the old secret no longer logs in.
 */
import { afterAll, describe, expect, inject, it } from 'vitest'
import mqtt from 'mqtt'
import type { InfluxClient } from '@pulseline/influx'
import type { IngestService } from '@pulseline/ingest'
import { freshDatabase } from '../../test/setup/influx.js'
import { writeFile } from 'node:fs/promises'
import { TEST_COST, hashSecret, ingestOptions, startTestIngest, writeIdentities } from '../../test/setup/ingest.js'

describe('credential revocation', () => {
  let influx: InfluxClient
  let service: IngestService
  afterAll(async () => {
    await service?.close()
    await influx?.close()
  })

  it('disconnects a live client when its secret is rotated, and refuses the old secret', async () => {
    influx = await freshDatabase('revoke')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    const keep = { id: 'keeper', gym: 'g', kind: 'strap', secret: 'k' }
    const file = await writeIdentities(options.identities.file, [keep, { id: 'lost', gym: 'g', kind: 'strap', secret: 'old' }])
    service = await startTestIngest(options)
    const url = `mqtt://127.0.0.1:${service.mqttPort}`
    const lost = await mqtt.connectAsync(url, { username: 'lost', password: 'old', reconnectPeriod: 0 })
    const kept = await mqtt.connectAsync(url, { username: 'keeper', password: 'k', reconnectPeriod: 0 })
    const closedAt = new Promise<number>((resolve) => lost.once('close', () => resolve(Date.now())))

    const rotatedAt = Date.now()
    // An operator rotates one secret: only that entry's hash changes.
    file.devices[1]!.secretHash = await hashSecret('new', TEST_COST)
    await writeFile(options.identities.file, JSON.stringify(file))
    expect((await closedAt) - rotatedAt).toBeLessThan(3000)
    expect(kept.connected).toBe(true)
    await expect(mqtt.connectAsync(url, { username: 'lost', password: 'old', reconnectPeriod: 0 })).rejects.toThrow(/Bad username or password/i)
    const fresh = await mqtt.connectAsync(url, { username: 'lost', password: 'new', reconnectPeriod: 0 })
    expect(fresh.connected).toBe(true)
    await fresh.endAsync()
    await kept.endAsync()
    lost.end(true)
  })
})
