/**
 * Every Pulseline alert, declared once: what it means and what to do (the README's runbook is generated
 * from this), the condition as Grafana alert queries over the `pipeline` measurement in InfluxDB (where the
 * services write their metrics every 10 s), and the same condition in PromQL over the services' /metrics.
 * `npm run grafana:build` writes grafana/provisioning/alerting/pulseline.yaml and
 * grafana/prometheus/pulseline.rules.yml from it; a test fails when either is stale.
 *
 * Grafana's side: each query is reduced to one number per series (`reduce`), then `condition` (a Grafana
 * math expression over those numbers, $A for query A) fires when it is non-zero.
 */

export interface AlertQuery {
  refId: string
  /** InfluxQL with Grafana's $timeFilter; the rule evaluates it over the last `windowS` seconds. */
  influxql: string
  windowS: number
}

export interface Alert {
  /** Grafana's rule uid. */
  uid: string
  /** Prometheus' alertname. */
  name: string
  title: string
  severity: 'page' | 'ticket'
  /** How long the condition must hold before the alert fires. */
  for: string
  meaning: string
  action: string
  grafana: {
    queries: AlertQuery[]
    reduce: 'last' | 'min' | 'max' | 'sum'
    condition: string
    /** What no data means: OK when silence is normal, Alerting when silence is the fault. */
    noData: 'OK' | 'Alerting'
  }
  prometheus: string
}

const metric = (name: string) => `"metric" = '${name}'`

/** A counter's increase over the window, restarts counted from zero (InfluxQL has no increase()). */
function increase(where: string, groupBy: string[]): string {
  const by = groupBy.map((t) => `, "${t}"`).join('')
  const outer = groupBy.length ? ` GROUP BY ${groupBy.map((t) => `"${t}"`).join(', ')}` : ''
  return `SELECT sum("d") FROM (SELECT non_negative_difference(last("value")) AS "d" FROM "pipeline" WHERE ${where} AND $timeFilter GROUP BY time(10s)${by})${outer}`
}

/** The smallest one-minute change of a gauge over the window: above zero when it grew every minute. */
function smallestMinuteGrowth(where: string, groupBy: string): string {
  return `SELECT min("d") FROM (SELECT difference(last("value")) AS "d" FROM "pipeline" WHERE ${where} AND $timeFilter GROUP BY time(1m), "${groupBy}") GROUP BY "${groupBy}"`
}

const last = (where: string, groupBy?: string) => `SELECT last("value") FROM "pipeline" WHERE ${where} AND $timeFilter${groupBy ? ` GROUP BY "${groupBy}"` : ''}`

/** PUBACK latency bound for the p99 alert: a bucket boundary of pulseline_ingest_puback_seconds. */
export const PUBACK_P99_BOUND_S = 0.25
/** Backlog and outbox floors below which growth is noise, not a trend. */
export const BACKLOG_FLOOR_BYTES = 1024 * 1024
export const OUTBOX_FLOOR_SAMPLES = 1000
/** How old the newest live tile may be while samples arrive. */
export const TILE_AGE_LIMIT_S = 120

export const ALERTS: Alert[] = [
  {
    uid: 'pulseline-dead-letters',
    name: 'PulselineDeadLetters',
    title: 'Dead letters arriving',
    severity: 'ticket',
    for: '0s',
    meaning: 'ingest refused input in the last 5 minutes and kept it in the dead-letter store: a device with bad firmware or a wrong clock, a misconfigured gateway, or someone probing the broker.',
    action: '`npm run dead-letters` shows each letter with its reasons (docs/errors.md). Fix the device or gateway it names; repeated PL_AUTH_* or PL_ACL_* from one address is an attack: block it.',
    grafana: { queries: [{ refId: 'A', influxql: increase(metric('pulseline_dead_letters_total'), ['service']), windowS: 300 }], reduce: 'last', condition: '$A > 0', noData: 'OK' },
    prometheus: 'increase(pulseline_dead_letters_total[5m]) > 0',
  },
  {
    uid: 'pulseline-log-backlog',
    name: 'PulselineLogBacklogGrowing',
    title: "ingest's log backlog growing for 5 minutes",
    severity: 'page',
    for: '0s',
    meaning: `samples arrive faster than InfluxDB takes them: the backlog grew in every minute of the last five and is above ${BACKLOG_FLOOR_BYTES / 1024 / 1024} MiB. Nothing is lost yet; at log.maxBytes devices are refused (PL_LOG_FULL) and buffer on their side.`,
    action: "Check InfluxDB (disk, CPU, `influxd` log) and `pulseline_writer_errors_total` by code. A slow disk or a compaction storm recovers by itself; a full disk does not. Raise log.maxBytes only if the disk holding the log has room.",
    grafana: {
      queries: [
        { refId: 'A', influxql: smallestMinuteGrowth(metric('pulseline_log_backlog_bytes'), 'service'), windowS: 360 },
        { refId: 'B', influxql: last(metric('pulseline_log_backlog_bytes'), 'service'), windowS: 360 },
      ],
      reduce: 'last',
      condition: `$A > 0 && $B > ${BACKLOG_FLOOR_BYTES}`,
      noData: 'OK',
    },
    prometheus: `min_over_time(delta(pulseline_log_backlog_bytes[1m])[5m:1m]) > 0 and pulseline_log_backlog_bytes > ${BACKLOG_FLOOR_BYTES}`,
  },
  {
    uid: 'pulseline-influx-unreachable',
    name: 'PulselineInfluxUnreachable',
    title: 'InfluxDB unreachable',
    severity: 'page',
    for: '1m',
    meaning: "ingest has data waiting and no write to InfluxDB has succeeded for a minute (Prometheus); or no pipeline metrics reached InfluxDB for two minutes (Grafana, which reads them from InfluxDB itself). Samples are safe in ingest's log, up to log.maxBytes.",
    action: 'Check that influxd runs and answers /ping, its disk, and the credentials (PL_INFLUX_AUTH in ingest\'s log). When it is back, ingest ships the backlog by itself; watch the backlog alert.',
    grafana: { queries: [{ refId: 'A', influxql: `SELECT count("value") FROM "pipeline" WHERE ${metric('pulseline_ingest_samples_total')} AND $timeFilter`, windowS: 120 }], reduce: 'last', condition: '$A < 1', noData: 'Alerting' },
    prometheus: 'pulseline_log_backlog_bytes > 0 and (time() - pulseline_writer_last_success_timestamp_seconds) > 60',
  },
  {
    uid: 'pulseline-puback-p99',
    name: 'PulselinePubackSlow',
    title: `PUBACK p99 above ${PUBACK_P99_BOUND_S * 1000} ms`,
    severity: 'page',
    for: '5m',
    meaning: `more than 1% of device publishes in the last 5 minutes waited over ${PUBACK_P99_BOUND_S * 1000} ms for their PUBACK (at least 100 publishes). A PUBACK waits for the durable append, so this is the log's disk (fdatasync) or an overloaded ingest; devices and gateways slow down and buffer.`,
    action: "Look at the disk holding ingest's log (`iostat`, other writers on it) and ingest's CPU (`pulseline_ingest_process_cpu_seconds_total`). Move the log to a faster disk, or spread gyms over more ingest nodes.",
    grafana: {
      queries: [
        { refId: 'A', influxql: increase(`${metric('pulseline_ingest_puback_seconds_bucket')} AND "le" = '${PUBACK_P99_BOUND_S}'`, ['service']), windowS: 300 },
        { refId: 'B', influxql: increase(metric('pulseline_ingest_puback_seconds_count'), ['service']), windowS: 300 },
      ],
      reduce: 'last',
      condition: '$B >= 100 && $A / $B < 0.99',
      noData: 'OK',
    },
    prometheus: `histogram_quantile(0.99, sum by (instance, le) (rate(pulseline_ingest_puback_seconds_bucket[5m]))) > ${PUBACK_P99_BOUND_S} and on (instance) sum by (instance) (increase(pulseline_ingest_puback_seconds_count[5m])) >= 100`,
  },
  {
    uid: 'pulseline-gateway-outbox',
    name: 'PulselineGatewayOutboxGrowing',
    title: "A gateway's outbox growing",
    severity: 'ticket',
    for: '0s',
    meaning: `a gym's BLE gateway cannot deliver as fast as its devices record: its outbox grew in every minute of the last five and holds over ${OUTBOX_FLOOR_SAMPLES} samples. The gym's network or the broker is down or slow for it; its disk outbox keeps the data, up to outbox.maxSamples, then drops the oldest (counted).`,
    action: "Check the gym's uplink and the gateway's broker connection (its /healthz says broker: false while it is cut off), and ingest's PL_AUTH_* dead letters for the gateway's id (a revoked credential).",
    grafana: {
      queries: [
        { refId: 'A', influxql: smallestMinuteGrowth(metric('pulseline_gateway_outbox_samples'), 'gateway'), windowS: 360 },
        { refId: 'B', influxql: last(metric('pulseline_gateway_outbox_samples'), 'gateway'), windowS: 360 },
      ],
      reduce: 'last',
      condition: `$A > 0 && $B > ${OUTBOX_FLOOR_SAMPLES}`,
      noData: 'OK',
    },
    prometheus: `min_over_time(delta(pulseline_gateway_outbox_samples[1m])[5m:1m]) > 0 and pulseline_gateway_outbox_samples > ${OUTBOX_FLOOR_SAMPLES}`,
  },
  {
    uid: 'pulseline-analytics-stalled',
    name: 'PulselineAnalyticsStalled',
    title: "Analytics' live tiles too old",
    severity: 'page',
    for: '1m',
    meaning: `samples are arriving but analytics has published no live tile for ${TILE_AGE_LIMIT_S} s (or, in Grafana, analytics' metrics stopped): coaches' class boards are frozen.`,
    action: "Check analytics' process and log (its MQTT connection to ingest, `pulseline_analytics_lag_seconds`), and its registry file. Restarting it is safe: it rebuilds live state from InfluxDB.",
    grafana: {
      queries: [
        { refId: 'A', influxql: last(metric('pulseline_analytics_last_tile_age_seconds')), windowS: 300 },
        { refId: 'B', influxql: increase(metric('pulseline_ingest_samples_total'), []), windowS: 300 },
      ],
      reduce: 'last',
      condition: `$A > ${TILE_AGE_LIMIT_S} && $B > 0`,
      noData: 'Alerting',
    },
    prometheus: `pulseline_analytics_last_tile_age_seconds > ${TILE_AGE_LIMIT_S} and on () sum(rate(pulseline_ingest_samples_total[5m])) > 0`,
  },
  {
    uid: 'pulseline-analytics-model-failing',
    name: 'PulselineAnalyticsModelFailing',
    title: "Analytics' anomaly model failing",
    severity: 'ticket',
    for: '0s',
    meaning: "analytics' learned anomaly model failed to score in the last 5 minutes: its worker thread died. analytics starts a new one by itself (`pulseline_analytics_model_restarts_total`), at most 5 times in 10 minutes, so a single crash clears this within minutes; a thread that keeps dying is left down. Meanwhile tiles, zones, effort and the rule-based alarms (dropout, flatline, impossible jumps, cadence lock) go on; `unusual_pattern` alarms do not.",
    action: "Read analytics' log for the thread's error. If it keeps firing (the restarts stopped at their limit, or each new thread fails to load), fix the cause and restart analytics (safe: it rebuilds live state from InfluxDB). `pulseline_analytics_model_skipped_total` rising instead means the model is slower than the tick, not gone.",
    grafana: { queries: [{ refId: 'A', influxql: increase(metric('pulseline_analytics_model_failed_total'), []), windowS: 300 }], reduce: 'last', condition: '$A > 0', noData: 'OK' },
    prometheus: 'increase(pulseline_analytics_model_failed_total[5m]) > 0',
  },
]

/** Prometheus only: a scrape target down (Grafana sees this as missing metrics, above). */
export const SERVICE_DOWN: Pick<Alert, 'name' | 'title' | 'severity' | 'for' | 'meaning' | 'action' | 'prometheus'> = {
  name: 'PulselineServiceDown',
  title: 'A Pulseline service does not answer /metrics',
  severity: 'page',
  for: '1m',
  meaning: 'Prometheus could not scrape a service for a minute: the process is down, or its operator port is unreachable.',
  action: "Check the service's process and log. ingest down means devices cannot deliver (they buffer); analytics down freezes class boards; a gateway down stops its gym's BLE devices.",
  prometheus: 'up{job=~"pulseline-.*"} == 0',
}
