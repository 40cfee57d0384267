/**
 * The log shipper as ingest runs it: what each write does to the metrics, and where a batch InfluxDB refuses
 * for good goes (the dead letters, with its reason).
 */
import type { Logger } from 'pino'
import type { SampleLog } from '../log/sample-log.js'
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js'
import type { IngestMetrics } from '../metrics.js'
import type { IngestOptions } from '../options.js'
import { LogShipper, type LineWriter } from './log-shipper.js'

export function startShipper(log: SampleLog, influx: LineWriter, options: IngestOptions['writer'], metrics: IngestMetrics, deadLetters: DeadLetterStore, logger: Logger): LogShipper {
  const shipper = new LogShipper(log, influx, options, {
    written(points, _bytes, seconds) {
      metrics.writtenPoints.inc(points)
      metrics.writeSeconds.observe(seconds)
      metrics.lastWrite.setToCurrentTime()
    },
    failed(err) {
      metrics.writeErrors.inc({ kind: err.kind, code: err.code })
      logger.warn({ code: err.code, kind: err.kind, status: err.status }, err.message)
    },
    dropped(body, err, points) {
      metrics.droppedPoints.inc(points)
      metrics.deadLetters.inc()
      deadLetters
        .put({ at: Date.now(), reason: err.code, detail: err.message }, body)
        .catch((e: Error) => logger.error({ error: e.message }, 'dead letter not stored'))
    },
  })
  shipper.start()
  return shipper
}
