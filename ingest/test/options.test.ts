/** ingest's options: the choices that expose data are the operator's to make, never defaults. */
import { describe, expect, it } from 'vitest'
import { resolveIngestOptions } from '@pulseline/ingest'

describe('ingest options', () => {
  it('refuses plain MQTT beyond loopback unless the operator allows it, and names the key', () => {
    expect(() => resolveIngestOptions({ mqtt: { host: '0.0.0.0' } })).toThrow(/ingest\.mqtt\.host.*plain MQTT beyond loopback/)
    expect(resolveIngestOptions({ mqtt: { host: '0.0.0.0', allowPlaintext: true } }).mqtt.host).toBe('0.0.0.0')
    expect(resolveIngestOptions({ mqtt: { host: '127.0.0.1' } }).mqtt.allowPlaintext).toBe(false)
  })

  it('keeps the TLS listener, the operator token and refused payloads closed by default', () => {
    const options = resolveIngestOptions({})
    expect(options.mqtt.tlsHost).toBe('127.0.0.1')
    expect(options.http.token).toBe('')
    expect(options.deadLetters.servePayloads).toBe(false)
  })
})
