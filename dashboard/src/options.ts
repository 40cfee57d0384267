/** The dashboard server's options: one schema, one defaults object, validated at start-up. */
import { Type, type Static } from '@sinclair/typebox'
import { INFLUX_CONNECTION_DEFAULTS, InfluxConnectionProperties } from '@pulseline/influx'
import { resolveOptions, type DeepPartial } from '@pulseline/config'

const strict = { additionalProperties: false } as const

export const DashboardOptionsSchema = Type.Object(
  {
    http: Type.Object(
      {
        host: Type.String({ description: 'address the dashboard listens on' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, description: 'HTTP port; 0 picks a free port' }),
        secureCookies: Type.Boolean({ description: 'mark the session cookie Secure: on whenever the dashboard is reached over TLS (a proxy in front)' }),
        sessionTtlMs: Type.Integer({ minimum: 60_000, description: 'how long a login lasts (ms)' }),
        loginAttemptsPerMinute: Type.Integer({ minimum: 1, description: 'login attempts per client address per minute; a login (account) gets the same budget across addresses' }),
        trustProxy: Type.Union([Type.Boolean(), Type.String(), Type.Array(Type.String())], {
          description: 'proxies whose X-Forwarded-For is believed, as Fastify takes it (true, an address, a CIDR list): behind a TLS proxy, without it every client shares the proxy\'s rate limits',
        }),
        allowedOrigins: Type.Array(Type.String(), { description: 'origins (scheme://host:port) besides the dashboard\'s own that may send state-changing requests and open the live socket' }),
      },
      strict,
    ),
    registry: Type.Object(
      {
        path: Type.String({ description: 'the registry: a SQLite file, or a postgres:// URL (several machines)' }),
        pollMs: Type.Integer({ minimum: 100, description: "how often the registry's change feed is read (erasures made elsewhere) (ms)" }),
      },
      strict,
    ),
    influx: Type.Object(InfluxConnectionProperties, strict),
    imports: Type.Object(
      {
        enabled: Type.Boolean({ description: "members upload their watches' files (FIT, GPX, TCX) from their page; the dashboard then writes them to InfluxDB" }),
        username: Type.String({ description: "InfluxDB user the imports are written as (a write user); empty: the influx connection's own" }),
        password: Type.String({ description: 'its password' }),
        maxBytes: Type.Integer({ minimum: 1024, maximum: 256 * 2 ** 20, description: 'largest upload (bytes); Apple Health exports go through npm run import' }),
      },
      strict,
    ),
    mqtt: Type.Object(
      {
        url: Type.String({ description: 'the broker (ingest), for live tiles, alerts and nearby devices' }),
        username: Type.String({ description: 'service identity the dashboard connects as' }),
        password: Type.String({ description: 'its secret' }),
        gyms: Type.Array(Type.String(), { minItems: 1, description: 'gyms to follow; ["+"] for all' }),
      },
      strict,
    ),
  },
  strict,
)

export type DashboardServerOptions = Static<typeof DashboardOptionsSchema>

export const DASHBOARD_DEFAULTS: DashboardServerOptions = {
  http: { host: '127.0.0.1', port: 8080, secureCookies: false, sessionTtlMs: 12 * 3_600_000, loginAttemptsPerMinute: 10, trustProxy: false, allowedOrigins: [] },
  registry: { path: '.data/registry.sqlite', pollMs: 1000 },
  influx: INFLUX_CONNECTION_DEFAULTS,
  imports: { enabled: true, username: '', password: '', maxBytes: 32 * 2 ** 20 },
  mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'dashboard', password: '', gyms: ['+'] },
}

export function resolveDashboardOptions(input: DeepPartial<DashboardServerOptions> | unknown = {}): DashboardServerOptions {
  return resolveOptions('dashboard', DashboardOptionsSchema, DASHBOARD_DEFAULTS, input)
}
