/**
 * The services' real metric registries (ingest's and analytics'), over a state a test sets by hand instead of
 * a running log and engine: what the alert tests write, scrape and check metric names against.
 */
import { IngestMetrics } from '@pulseline/ingest'
import { analyticsMetrics } from '@pulseline/analytics'

/** The state the metrics report, which a scenario changes step by step. */
export class World {
  tileAgeS = 1
  outboxSamples = 0
  readonly log = {
    backlogBytes: 0,
    diskBytes: 0,
    pendingFlushBytes: 0,
    stats: { flushes: 0, refusedRecords: 0, truncatedBytes: 0, skippedBytes: 0 },
  }
  readonly ingest = new IngestMetrics(this.log as never, () => ({ disk: 0, dropped: 0 }))
  readonly engine = { counters: { samples: 0, invalid: 0, tiles: 0, anomalies: 0, failed: 0, modelSkipped: 0, modelFailed: 0 }, lagMs: 0, activeMembers: 0, lastTileMs: Date.now() }
  readonly analytics = analyticsMetrics(this.engine as never, { length: 0, dropped: 0, refused: 0 } as never)

  /** A step of a class going well: 30 samples/s, PUBACKs in 3 ms, a backlog that comes and goes. */
  healthyStep(i: number): void {
    this.ingest.samples.inc(300)
    for (let k = 0; k < 100; k++) this.ingest.pubackSeconds.observe(0.003)
    this.log.backlogBytes = i % 2 === 0 ? 0 : 200_000
    this.tileAgeS = 1
    this.outboxSamples = i % 3 === 0 ? 40 : 0
  }
}
