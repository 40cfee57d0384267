/**
 * Pipeline health, from the services' own counters, which they write to InfluxDB (measurement `pipeline`,
 * one point per metric and label set; see influx/src/metric-lines.ts): rates are derivatives of counters.
 */
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard'
import { queries } from '../influxql.js'
import { row, statPanel, timeSeries } from '../panels.js'

const rate = (metric: string, by = '') =>
  `SELECT non_negative_derivative(max("value"), 1s) FROM "pipeline" WHERE "metric" = '${metric}' AND $timeFilter GROUP BY time($__interval)${by ? `, ${by}` : ''} fill(none)`
const gauge = (metric: string, fn = 'max') => `SELECT ${fn}("value") FROM "pipeline" WHERE "metric" = '${metric}' AND $timeFilter GROUP BY time($__interval) fill(none)`

export function pipelineHealth(): dashboard.DashboardBuilder {
  return new dashboard.DashboardBuilder('Pulseline · Pipeline health')
    .uid('pulseline-pipeline')
    .tags(['pulseline', 'ops'])
    .time({ from: 'now-6h', to: 'now' })
    .refresh('30s')
    .withRow(row('Ingest'))
    .withPanel(statPanel('Broker clients', queries(gauge('pulseline_ingest_connections', 'last'))))
    .withPanel(statPanel('Log backlog', queries(gauge('pulseline_log_backlog_bytes', 'last')), 'bytes'))
    .withPanel(statPanel('Analytics lag', queries(gauge('pulseline_analytics_lag_seconds', 'last')), 's'))
    .withPanel(statPanel('Derived lines dropped', queries(gauge('pulseline_analytics_dropped_lines_total', 'last'))))
    .withPanel(timeSeries('Ingest rate (samples/s) and points written/s', queries([rate('pulseline_ingest_samples_total'), 'samples in'], [rate('pulseline_writer_points_total'), 'points written']), 'short').interval('10s'))
    .withPanel(timeSeries('Log backlog', queries([gauge('pulseline_log_backlog_bytes'), 'backlog']), 'bytes').interval('10s'))
    .withPanel(timeSeries('InfluxDB write errors/s by kind', queries([rate('pulseline_writer_errors_total', '"kind"'), '$tag_kind']), 'short').interval('10s'))
    .withPanel(timeSeries('Refused input/s by reason (dead letters)', queries([rate('pulseline_ingest_rejected_total', '"reason"'), '$tag_reason']), 'short').interval('10s'))
    .withPanel(timeSeries('Broker clients', queries([gauge('pulseline_ingest_connections'), 'clients']), 'short').interval('10s'))
    .withRow(row('Analytics'))
    .withPanel(timeSeries('Analytics lag', queries([gauge('pulseline_analytics_lag_seconds'), 'lag']), 's').interval('10s'))
    .withPanel(timeSeries('Analytics: samples/s and anomalies/s', queries([rate('pulseline_analytics_samples_total'), 'samples'], [rate('pulseline_analytics_anomalies_total'), 'anomalies']), 'short').interval('10s'))
}
