/**
 * ALERTS as a Grafana alerting provisioning file (grafana/provisioning/alerting/pulseline.yaml): one rule
 * group in the dashboards' folder, evaluated every minute. Each rule queries the InfluxDB datasource,
 * reduces every query to a number per series, and fires on a math expression over them.
 */
import { DATASOURCE } from '../influxql.js'
import { ALERTS, type Alert } from './alerts.js'

const EXPRESSIONS = '__expr__'

function rule(alert: Alert): Record<string, unknown> {
  const { queries, reduce, condition, noData } = alert.grafana
  const data: unknown[] = queries.map((q) => ({
    refId: q.refId,
    relativeTimeRange: { from: q.windowS, to: 0 },
    datasourceUid: DATASOURCE.uid,
    model: { refId: q.refId, datasource: DATASOURCE, query: q.influxql, rawQuery: true, resultFormat: 'time_series', intervalMs: 10_000, maxDataPoints: 43_200 },
  }))
  for (const q of queries) {
    data.push({ refId: `${q.refId}_${reduce}`, datasourceUid: EXPRESSIONS, model: { refId: `${q.refId}_${reduce}`, type: 'reduce', expression: q.refId, reducer: reduce, settings: { mode: 'dropNN' } } })
  }
  const math = queries.reduce((expr, q) => expr.replaceAll(`$${q.refId}`, `$${q.refId}_${reduce}`), condition)
  data.push({ refId: 'FIRING', datasourceUid: EXPRESSIONS, model: { refId: 'FIRING', type: 'math', expression: math } })
  return {
    uid: alert.uid,
    title: alert.title,
    condition: 'FIRING',
    data,
    noDataState: noData === 'Alerting' ? 'Alerting' : 'OK',
    execErrState: 'Alerting',
    for: alert.for,
    annotations: { summary: alert.meaning, description: alert.action, runbook: `README.md, Operations: ${alert.name}` },
    labels: { severity: alert.severity, alertname: alert.name },
    isPaused: false,
  }
}

export function grafanaAlertProvisioning(): Record<string, unknown> {
  return {
    apiVersion: 1,
    groups: [{ orgId: 1, name: 'pulseline', folder: 'Pulseline', interval: '1m', rules: ALERTS.map(rule) }],
  }
}
