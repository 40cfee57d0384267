/** Options: one schema and one defaults object; the environment over the file, converted by the schema. */
import { describe, expect, it } from 'vitest'
import { Type } from '@sinclair/typebox'
import { checkDeploymentSecret, deepMerge, envName, optionsFromEnv, resolveOptions } from '@pulseline/config'

const Schema = Type.Object(
  {
    mqtt: Type.Object({ password: Type.String(), port: Type.Integer({ minimum: 0, maximum: 65535 }), gyms: Type.Array(Type.String()), tls: Type.Boolean() }, { additionalProperties: false }),
    proxy: Type.Union([Type.Boolean(), Type.String()]),
  },
  { additionalProperties: false },
)
const DEFAULTS = { mqtt: { password: '', port: 1883, gyms: ['+'], tls: false }, proxy: false }

describe('options', () => {
  it('converts environment values by their schema: a numeric password stays a string', () => {
    const env = { X_MQTT_PASSWORD: '123456', X_MQTT_PORT: '8883', X_MQTT_GYMS: '["a","b"]', X_MQTT_TLS: 'true', X_PROXY: '10.0.0.0/8' }
    const options = resolveOptions('x', Schema, DEFAULTS, optionsFromEnv('X', Schema, env))
    expect(options).toEqual({ mqtt: { password: '123456', port: 8883, gyms: ['a', 'b'], tls: true }, proxy: '10.0.0.0/8' })
    expect(resolveOptions('x', Schema, DEFAULTS, optionsFromEnv('X', Schema, { X_PROXY: 'true' })).proxy).toBe(true)
  })

  it('lets the environment win over the file', () => {
    const fromFile = { mqtt: { port: 1000, password: 'file' } }
    const options = resolveOptions('x', Schema, DEFAULTS, deepMerge(fromFile, optionsFromEnv('X', Schema, { X_MQTT_PORT: '2000' })))
    expect(options.mqtt).toEqual({ password: 'file', port: 2000, gyms: ['+'], tls: false })
  })

  it('refuses unknown keys and wrong types, naming the key', () => {
    expect(() => resolveOptions('x', Schema, DEFAULTS, { mqtt: { prot: 1 } })).toThrow(/x\.mqtt/)
    expect(() => resolveOptions('x', Schema, DEFAULTS, optionsFromEnv('X', Schema, { X_MQTT_PORT: 'eighty' }))).toThrow(/x\.mqtt\.port/)
    expect(() => resolveOptions('x', Schema, DEFAULTS, { mqtt: { port: 70000 } })).toThrow(/x\.mqtt\.port/)
  })

  it('names environment variables in UPPER_SNAKE from camelCase keys', () => {
    expect(envName('PULSELINE_INGEST', ['mqtt', 'maxPayloadBytes'])).toBe('PULSELINE_INGEST_MQTT_MAX_PAYLOAD_BYTES')
  })

  it('refuses placeholder and short deployment secrets, naming them', () => {
    expect(() => checkDeploymentSecret('PULSELINE_ANALYTICS_MQTT_PASSWORD', 'change-me-analytics-0123456789')).toThrow(/PULSELINE_ANALYTICS_MQTT_PASSWORD.*placeholder/)
    expect(() => checkDeploymentSecret('s', 'short')).toThrow(/shorter than 22/)
    expect(checkDeploymentSecret('s', 'q2Vb7xM1pL9sT4wZ8nR3yK6d')).toBe('q2Vb7xM1pL9sT4wZ8nR3yK6d')
  })
})
