/**
 * The InfluxDB connection options every service takes, declared once (they had drifted: only ingest could
 * set a retention policy, gzip or a timeout). Each service's schema spreads these properties into its
 * `influx` block, next to its own (analytics' queue, say), and builds its client with `influxClientOptions`.
 */
import { Type, type Static } from '@sinclair/typebox'
import type { InfluxClientOptions } from './client.js'

export const InfluxConnectionProperties = {
  url: Type.String({ description: 'InfluxDB base URL (v1 HTTP API)' }),
  database: Type.String({ minLength: 1, description: 'database (1.x), DBRP database (2.x) or database (3.x)' }),
  retentionPolicy: Type.String({ description: 'retention policy; empty for the default' }),
  username: Type.String({ description: '1.x user; empty for none' }),
  password: Type.String({ description: '1.x password' }),
  token: Type.String({ description: '2.x/3.x token; takes precedence over username; empty for none' }),
  gzipMinBytes: Type.Integer({ minimum: 0, description: 'gzip write bodies of at least this many bytes; 0 is off (bytes)' }),
  timeoutMs: Type.Integer({ minimum: 100, description: 'InfluxDB request timeout (ms)' }),
}

const ConnectionSchema = Type.Object(InfluxConnectionProperties)
export type InfluxConnection = Static<typeof ConnectionSchema>

export const INFLUX_CONNECTION_DEFAULTS: InfluxConnection = {
  url: 'http://127.0.0.1:8086',
  database: 'pulseline',
  retentionPolicy: '',
  username: '',
  password: '',
  token: '',
  gzipMinBytes: 0,
  timeoutMs: 30_000,
}

/** The client options for a connection block: empty strings mean "not set". */
export function influxClientOptions(o: InfluxConnection, extra: Partial<InfluxClientOptions> = {}): InfluxClientOptions {
  return {
    url: o.url,
    database: o.database,
    ...(o.retentionPolicy ? { retentionPolicy: o.retentionPolicy } : {}),
    ...(o.username ? { username: o.username, password: o.password } : {}),
    ...(o.token ? { token: o.token } : {}),
    gzipMinBytes: o.gzipMinBytes,
    timeoutMs: o.timeoutMs,
    ...extra,
  }
}
