/** The gateway's options: one schema, one defaults object (units in the descriptions). */
import { Type, type Static } from '@sinclair/typebox'
import { resolveOptions } from '@pulseline/config'
import { ID_PATTERN } from '@pulseline/protocol'

const ms = (minimum: number, description: string) => Type.Integer({ minimum, description: `${description} (ms)` })
const strict = { additionalProperties: false } as const

export const GatewayOptionsSchema = Type.Object(
  {
    id: Type.String({ pattern: ID_PATTERN.source, description: 'this gateway\'s id; also its MQTT username' }),
    gym: Type.String({ pattern: ID_PATTERN.source, description: 'gym the gateway and its devices belong to' }),
    mqtt: Type.Object(
      {
        url: Type.String({ description: 'broker URL (mqtt://, mqtts://, ws://)' }),
        password: Type.String({ description: 'the gateway\'s secret' }),
        maxInflightMessages: Type.Integer({ minimum: 1, maximum: 1000, description: 'QoS 1 messages awaiting PUBACK at once' }),
        samplesPerMessage: Type.Integer({ minimum: 1, maximum: 1000, description: 'samples batched per message and device' }),
      },
      strict,
    ),
    ble: Type.Object(
      {
        adapters: Type.Array(Type.String(), { description: 'adapters to use (hci0, ...); empty for all' }),
        maxConnectionsPerAdapter: Type.Integer({ minimum: 1, maximum: 64, description: 'connections per adapter; BlueZ controllers manage about 7–10' }),
        scanIntervalMs: ms(100, 'how often discovery results are read'),
        connectTimeoutMs: ms(100, 'connection and service discovery timeout'),
        reconnectInitialMs: ms(10, 'first reconnect delay'),
        reconnectMaxMs: ms(10, 'longest reconnect delay'),
        wheelCircumferenceM: Type.Number({ minimum: 0.5, maximum: 3, description: 'wheel circumference for CSC/CP speed (m)' }),
      },
      strict,
    ),
    devices: Type.Array(
      Type.Object({ address: Type.String({ pattern: '^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$' }), id: Type.String({ pattern: ID_PATTERN.source }) }, strict),
      { description: 'devices to read: BLE address → Pulseline device id (the registry will provide this)' },
    ),
    outbox: Type.Object(
      {
        path: Type.String({ description: 'SQLite file of the store-and-forward queue' }),
        maxSamples: Type.Integer({ minimum: 100, description: 'samples kept while the broker is unreachable; the oldest are dropped past it' }),
      },
      strict,
    ),
    publish: Type.Object(
      {
        liveWindowMs: ms(100, 'samples younger than this go before the backlog'),
        backlogMessagesPerSecond: Type.Integer({ minimum: 1, description: 'most backlog messages sent per second while draining' }),
        tickMs: ms(5, 'publisher tick'),
      },
      strict,
    ),
    healthEveryMs: Type.Integer({ minimum: 0, description: "publish the gateway's health (outbox depth, drops, connected devices) to the broker this often; ingest stores it for Grafana's alerts; 0 is off (ms)" }),
    http: Type.Object(
      {
        host: Type.String({ description: 'address of the /metrics and /healthz listener' }),
        port: Type.Integer({ minimum: -1, maximum: 65535, description: 'port of /metrics and /healthz; 0 picks a free port, -1 turns it off' }),
      },
      strict,
    ),
    claims: Type.Object(
      {
        ttlMs: ms(1000, 'a claim older than this is void (the claiming gateway is gone)'),
        heartbeatMs: ms(100, 'how often this gateway restates its claims'),
      },
      strict,
    ),
  },
  strict,
)

export type GatewayOptions = Static<typeof GatewayOptionsSchema>

export const GATEWAY_DEFAULTS: GatewayOptions = {
  id: 'gateway-1',
  gym: 'demo-gym',
  mqtt: { url: 'mqtt://127.0.0.1:1883', password: '', maxInflightMessages: 32, samplesPerMessage: 20 },
  ble: {
    adapters: [],
    maxConnectionsPerAdapter: 7,
    scanIntervalMs: 2000,
    connectTimeoutMs: 10_000,
    reconnectInitialMs: 500,
    reconnectMaxMs: 30_000,
    wheelCircumferenceM: 2.105,
  },
  devices: [],
  outbox: { path: '.data/gateway/outbox.sqlite', maxSamples: 2_000_000 },
  publish: { liveWindowMs: 5000, backlogMessagesPerSecond: 200, tickMs: 50 },
  healthEveryMs: 10_000,
  http: { host: '127.0.0.1', port: 9465 },
  claims: { ttlMs: 15_000, heartbeatMs: 5000 },
}

export function resolveGatewayOptions(input: unknown = {}): GatewayOptions {
  return resolveOptions('gateway', GatewayOptionsSchema, GATEWAY_DEFAULTS, input)
}
