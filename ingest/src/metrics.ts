/**
 * ingest's Prometheus metrics, on a registry of its own (not prom-client's global one), so several
 * instances can live in one process in tests. Names follow Prometheus conventions: `_total` counters,
 * base units (bytes, seconds).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { SampleLog } from './log/sample-log.js'
import { ERROR_CODES } from '@pulseline/protocol'
import { gaugeFrom } from '@pulseline/config'

export class IngestMetrics {
  readonly registry = new Registry()

  readonly messages = new Counter({
    name: 'pulseline_ingest_messages_total',
    help: 'Sample messages received from devices, by outcome (accepted, partial, rejected)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  })

  readonly samples = new Counter({
    name: 'pulseline_ingest_samples_total',
    help: 'Samples accepted into the durable log',
    registers: [this.registry],
  })

  readonly points = new Counter({
    name: 'pulseline_ingest_points_total',
    help: 'Line-protocol points appended to the durable log (a sample with RR intervals is several points)',
    registers: [this.registry],
  })

  readonly rejected = new Counter({
    name: 'pulseline_ingest_rejected_total',
    help: 'Refused input, by error code (docs/errors.md): payloads, samples, logins, ACL and size violations',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  })

  readonly connections = new Gauge({
    name: 'pulseline_ingest_connections',
    help: 'Authenticated MQTT clients connected now',
    registers: [this.registry],
  })

  readonly erasedLines = new Counter({
    name: 'pulseline_erasure_dropped_lines_total',
    help: "Lines of erased members left in the log when their erasure began, dropped instead of written to InfluxDB",
    registers: [this.registry],
  })

  readonly deadLetters = new Counter({
    name: 'pulseline_dead_letters_total',
    help: 'Letters written to the dead-letter store',
    registers: [this.registry],
  })

  readonly droppedHealth = new Counter({
    name: 'pulseline_ingest_gateway_health_dropped_total',
    help: 'Gateway health messages acknowledged but not stored: more than one per gateway within the minimum interval',
    registers: [this.registry],
  })

  readonly writtenPoints = new Counter({
    name: 'pulseline_writer_points_total',
    help: 'Points InfluxDB acknowledged',
    registers: [this.registry],
  })

  readonly writeErrors = new Counter({
    name: 'pulseline_writer_errors_total',
    help: 'Failed InfluxDB writes, by class (drop, split, retry) and error code',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  })

  readonly droppedPoints = new Counter({
    name: 'pulseline_writer_dropped_points_total',
    help: 'Points InfluxDB refused for good (dead-lettered)',
    registers: [this.registry],
  })

  readonly writeSeconds = new Histogram({
    name: 'pulseline_writer_request_seconds',
    help: 'Duration of successful InfluxDB write requests',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })

  readonly adoptedLogs = new Counter({
    name: 'pulseline_cluster_adopted_logs_total',
    help: "Logs of dead nodes this node claimed and shipped (cluster mode): each is a node that stopped beating",
    registers: [this.registry],
  })

  readonly pubackSeconds = new Histogram({
    name: 'pulseline_ingest_puback_seconds',
    help: "From a device's PUBLISH to its PUBACK: validation, the durable append (group commit and fdatasync) or the dead letter",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  })

  readonly lastWrite = new Gauge({
    name: 'pulseline_writer_last_success_timestamp_seconds',
    help: 'When InfluxDB last acknowledged a write',
    registers: [this.registry],
  })

  constructor(log: SampleLog, deadLetterBytes: () => { disk: number; dropped: number }) {
    collectDefaultMetrics({ register: this.registry, prefix: 'pulseline_ingest_' })
    // Error classes start at zero, so a rate panel shows 0 rather than "no data" on a healthy system.
    for (const kind of ['drop', 'split', 'retry']) this.writeErrors.inc({ kind, code: '' }, 0)
    for (const reason of Object.keys(ERROR_CODES)) this.rejected.inc({ reason }, 0)
    const gauge = (name: string, help: string, read: () => number) => gaugeFrom(this.registry, name, help, read)
    gauge('pulseline_log_backlog_bytes', 'Durable log bytes not yet written to InfluxDB', () => log.backlogBytes)
    gauge('pulseline_log_disk_bytes', 'Bytes of log segments on disk', () => log.diskBytes)
    gauge('pulseline_log_pending_bytes', 'Bytes waiting for the next group commit', () => log.pendingFlushBytes)
    gauge('pulseline_log_flushes', 'Group commits (write + fdatasync) so far', () => log.stats.flushes)
    gauge('pulseline_log_refused_records', 'Appends refused because the log was at a limit', () => log.stats.refusedRecords)
    gauge('pulseline_log_truncated_bytes', 'Torn bytes cut from the log tail at start-up', () => log.stats.truncatedBytes)
    gauge('pulseline_log_skipped_bytes', 'Corrupt log bytes skipped while reading', () => log.stats.skippedBytes)
    gauge('pulseline_dead_letters_disk_bytes', 'Bytes of the dead-letter store on disk', () => deadLetterBytes().disk)
    gauge('pulseline_dead_letters_dropped_bytes', 'Oldest dead letters deleted to stay within the limit', () => deadLetterBytes().dropped)
  }
}
