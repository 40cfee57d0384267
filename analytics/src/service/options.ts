/**
 * analytics' options: one schema, one defaults object, validated at start-up (npm run docs:config puts
 * them in the README).
 */
import { Type, type Static } from '@sinclair/typebox'
import { INFLUX_CONNECTION_DEFAULTS, InfluxConnectionProperties } from '@pulseline/influx'
import { resolveOptions, type DeepPartial } from '@pulseline/config'

const ms = (minimum: number, description: string) => Type.Integer({ minimum, description: `${description} (ms)` })
const strict = { additionalProperties: false } as const

export const AnalyticsOptionsSchema = Type.Object(
  {
    mqtt: Type.Object(
      {
        url: Type.String({ description: 'the broker (ingest), e.g. mqtt://127.0.0.1:1883' }),
        username: Type.String({ description: 'service identity analytics connects as' }),
        password: Type.String({ description: 'its secret' }),
        gyms: Type.Array(Type.String(), { minItems: 1, description: 'gyms this instance serves; ["+"] for all (partition by gym to scale out)' }),
      },
      strict,
    ),
    influx: Type.Object(
      {
        ...InfluxConnectionProperties,
        maxQueuedLines: Type.Integer({ minimum: 100, description: 'derived lines waiting for InfluxDB; past it the oldest are dropped and counted' }),
        flushMs: ms(10, 'how often derived lines are written'),
      },
      strict,
    ),
    registry: Type.Object(
      {
        path: Type.String({ description: 'the registry (member physiology, assignments, sessions): a SQLite file, or a postgres:// URL' }),
        pollMs: ms(100, 'how often the registry change feed is read'),
      },
      strict,
    ),
    live: Type.Object(
      {
        tickMs: ms(100, 'clock of dropout checks, model inference and the effort series'),
        effortPointsPerMin: Type.Array(Type.Number({ minimum: 0 }), { minItems: 6, maxItems: 6, description: 'effort points per minute in zones 0–5' }),
        hrMaxFormula: Type.Union([Type.Literal('fox'), Type.Literal('tanaka'), Type.Literal('gellish'), Type.Literal('nes')], { description: 'HRmax estimate when none is measured' }),
        raiseHrMax: Type.Boolean({ description: 'raise a member’s HRmax in the registry when a higher one is sustained (rule in zones/hr-max.ts)' }),
        model: Type.Boolean({ description: 'run the learned anomaly model (TF.js wasm) every tick' }),
      },
      strict,
    ),
    http: Type.Object(
      {
        host: Type.String({ description: 'address of the /metrics and /healthz listener' }),
        port: Type.Integer({ minimum: -1, maximum: 65535, description: 'port of /metrics (Prometheus) and /healthz; -1 is off, 0 picks a free port' }),
      },
      strict,
    ),
    metricsToInfluxMs: Type.Integer({ minimum: 0, description: 'write pipeline metrics (lag, samples, anomalies) to InfluxDB this often, for Grafana; 0 is off (ms)' }),
    cluster: Type.Object(
      {
        redisUrl: Type.String({ description: "cluster mode: Redis (redis://…) where instances announce themselves and split the gyms between them; '' computes every gym of mqtt.gyms here" }),
        instance: Type.String({ pattern: '^[A-Za-z0-9_-]{0,64}$', description: "this instance's name; '' is host name and PID" }),
        heartbeatMs: ms(100, 'how often an instance renews its key and looks at who is alive'),
        instanceTtlMs: ms(500, "an instance silent this long is dead: its gyms go to the others"),
      },
      strict,
    ),
    mail: Type.Object(
      {
        url: Type.String({ description: "SMTP server for after-class summaries to members who opted in, e.g. smtps://user:pass@mail.example.com:465; '' sends none" }),
        from: Type.String({ minLength: 3, maxLength: 254, description: 'sender of the summaries' }),
      },
      strict,
    ),
    rollups: Type.Object(
      {
        everyMs: ms(1000, 'how often 1-minute aggregates and session summaries are brought up to date'),
        lookbackMs: ms(60_000, 'how far back each rollup pass recomputes (late data within it is folded in)'),
        dailyEveryMs: ms(1000, 'how often the daily sleep, step and baseline summaries are recomputed'),
        dailyLookbackDays: Type.Integer({ minimum: 1, maximum: 60, description: 'days recomputed per daily pass' }),
      },
      strict,
    ),
  },
  strict,
)

export type AnalyticsOptions = Static<typeof AnalyticsOptionsSchema>

export const ANALYTICS_DEFAULTS: AnalyticsOptions = {
  mqtt: { url: 'mqtt://127.0.0.1:1883', username: 'analytics', password: '', gyms: ['+'] },
  influx: { ...INFLUX_CONNECTION_DEFAULTS, maxQueuedLines: 200_000, flushMs: 500 },
  registry: { path: '.data/registry.sqlite', pollMs: 1000 },
  live: { tickMs: 1000, effortPointsPerMin: [0, 1, 2, 3, 4, 4], hrMaxFormula: 'tanaka', raiseHrMax: true, model: true },
  http: { host: '127.0.0.1', port: -1 },
  metricsToInfluxMs: 10_000,
  cluster: { redisUrl: '', instance: '', heartbeatMs: 1_000, instanceTtlMs: 5_000 },
  mail: { url: '', from: 'Pulseline <no-reply@localhost>' },
  rollups: { everyMs: 30_000, lookbackMs: 5 * 60_000, dailyEveryMs: 15 * 60_000, dailyLookbackDays: 2 },
}

export function resolveAnalyticsOptions(input: DeepPartial<AnalyticsOptions> | unknown = {}): AnalyticsOptions {
  return resolveOptions('analytics', AnalyticsOptionsSchema, ANALYTICS_DEFAULTS, input)
}
