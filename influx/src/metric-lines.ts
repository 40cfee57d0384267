/**
 * Services' Prometheus metrics as line protocol, so that pipeline health lives in InfluxDB next to the data
 * and one Grafana datasource shows both (see grafana/README.md for why not a Prometheus server). One point
 * per metric and label set: `pipeline,service=ingest,metric=pulseline_ingest_samples_total value=123`, labels
 * as tags. Counters stay cumulative; Grafana takes `non_negative_derivative` for rates. Histograms give their
 * `_sum` and `_count`.
 */
import { pointLine } from '@pulseline/protocol'

/** The part of prom-client's `Registry#getMetricsAsJSON()` result this needs. */
export interface MetricJson {
  name: string
  /** prom-client's MetricType enum, whose values are the type names ('counter', 'histogram', ...). */
  type: unknown
  values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>
}

export function metricLines(metrics: readonly MetricJson[], service: string, nowMs: number): string {
  let body = ''
  for (const m of metrics) {
    for (const v of m.values) {
      const name = v.metricName ?? m.name
      if (String(m.type) === 'histogram' && !name.endsWith('_sum') && !name.endsWith('_count')) continue
      if (!Number.isFinite(v.value)) continue
      const tags: Record<string, string> = { service, metric: name }
      for (const [k, value] of Object.entries(v.labels)) if (k !== 'service' && k !== 'metric' && String(value) !== '') tags[k] = String(value)
      body += pointLine('pipeline', tags, { value: v.value }, nowMs)
    }
  }
  return body
}
