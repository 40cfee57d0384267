/** MQTT over TLS, with a self-signed certificate made by openssl for the test. */
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import mqtt from 'mqtt'
import { rowsOf, type InfluxClient } from '@pulseline/influx'
import type { IngestService } from '@pulseline/ingest'
import { deviceSamplesTopic, encodePayload } from '@pulseline/protocol'
import { freshDatabase } from '../../test/setup/influx.js'
import { ingestOptions, startTestIngest, writeIdentities } from '../../test/setup/ingest.js'

describe('MQTT over TLS', () => {
  let dir: string
  let influx: InfluxClient
  let service: IngestService
  afterAll(async () => {
    await service?.close()
    await influx?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('accepts devices over TLS and refuses a client that does not trust the certificate', async () => {
    dir = await mkdtemp(join(tmpdir(), 'pl-tls-'))
    const [cert, key] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' })
    influx = await freshDatabase('tls')
    const options = await ingestOptions(inject('influxUrl'), influx.options.database)
    Object.assign(options.mqtt, { tlsPort: 0, tlsCertFile: cert, tlsKeyFile: key })
    await writeIdentities(options.identities.file, [{ id: 'tls-strap', gym: 'g', kind: 'strap', secret: 's' }])
    service = await startTestIngest(options)
    const url = `mqtts://127.0.0.1:${service.tlsPort}`

    await expect(mqtt.connectAsync(url, { username: 'tls-strap', password: 's', reconnectPeriod: 0 })).rejects.toThrow(/self.signed|certificate/i)
    const client = await mqtt.connectAsync(url, { username: 'tls-strap', password: 's', reconnectPeriod: 0, ca: await readFile(cert) })
    await client.publishAsync(deviceSamplesTopic('g', 'tls-strap'), encodePayload([{ kind: 'hr', t: Date.now() - 1000, bpm: 77 }]), { qos: 1 })
    await client.endAsync()
    await expect.poll(async () => rowsOf(await influx.query(`SELECT bpm FROM hr WHERE device = 'tls-strap'`))[0]?.bpm, { timeout: 10_000 }).toBe(77)
  })
})
