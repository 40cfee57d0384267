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
      if (!Number.isFinite(v.value)) continue
      const tags: Record<string, string> = { service, metric: name }
      for (const [k, value] of Object.entries(v.labels)) if (k !== 'service' && k !== 'metric' && String(value) !== '') tags[k] = String(value)
      body += pointLine('pipeline', tags, { value: v.value }, nowMs)
    }
  }
  return body
}

/** The parts of a prom-client Registry and of InfluxClient that writing metrics needs. */
export interface MetricsSource {
  getMetricsAsJSON(): Promise<unknown>
}
export interface LineSink {
  write(body: string): Promise<void>
}

/** A service's metrics into InfluxDB, once. */
export async function writeMetrics(source: MetricsSource, sink: LineSink, service: string, nowMs = Date.now()): Promise<void> {
  const body = metricLines((await source.getMetricsAsJSON()) as MetricJson[], service, nowMs)
  if (body) await sink.write(body)
}

/**
 * A service's metrics into InfluxDB every `everyMs` (0: never), for Grafana's pipeline panels. Best effort:
 * a failed write goes to `onError`, and the next one carries the cumulative values anyway.
 */
export function writeMetricsEvery(source: MetricsSource, sink: LineSink, service: string, everyMs: number, onError: (err: Error) => void): { stop(): void } {
  if (everyMs <= 0) return { stop: () => undefined }
  const timer = setInterval(() => void writeMetrics(source, sink, service).catch(onError), everyMs)
  return { stop: () => clearInterval(timer) }
}
