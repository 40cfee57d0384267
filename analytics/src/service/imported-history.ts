/**
 * History a member imported from their files (files/) lands in the raw series at its own times, often long
 * before the rollups' look-back: it is summarised here over its span, as the live rollups do it (1-minute
 * aggregates, then the daily sleep, step and baseline summaries), one import at a time so that a year of
 * Apple Health does not compete with itself. The queue is bounded; a span dropped past it is counted (the next
 * import of that member, or a recomputation, brings it back).
 */
import type { InfluxClient } from '@pulseline/influx'
import type { ImportedSpan } from '@pulseline/registry'
import type { Physiology } from '../live/physiology.js'
import { rollupDays, rollupMinutes } from './rollups.js'

const DAY = 86_400_000
/** Spans waiting at most; each is one member's import. */
const MAX_QUEUED = 100
/** Days summarised per import at most: the daily rollup of a longer span would read all members' years. */
export const MAX_IMPORTED_DAYS = 400

export class ImportedHistory {
  private queue: Promise<void> = Promise.resolve()
  private queued = 0
  readonly counts = { summarised: 0, dropped: 0 }

  constructor(
    private readonly influx: InfluxClient,
    private readonly physiologyOf: (member: string) => Promise<Physiology>,
    private readonly failed: (err: Error) => void,
  ) {}

  add(span: ImportedSpan): void {
    if (this.queued >= MAX_QUEUED) return void this.counts.dropped++
    this.queued++
    this.queue = this.queue
      .then(() => this.summarise(span))
      .then(
        () => void this.counts.summarised++,
        (err: Error) => this.failed(err),
      )
      .finally(() => void this.queued--)
  }

  /** Resolves when every span added so far is summarised. */
  idle(): Promise<void> {
    return this.queue
  }

  private async summarise(span: ImportedSpan): Promise<void> {
    const from = Math.max(span.fromMs, span.toMs - MAX_IMPORTED_DAYS * DAY)
    // 1-minute aggregates a day at a time, so that no single query spans a year.
    for (let start = Math.floor(from / 60_000) * 60_000; start <= span.toMs; start += DAY) await rollupMinutes(this.influx, start, Math.min(start + DAY, span.toMs + 60_000))
    const days = Math.min(MAX_IMPORTED_DAYS, Math.ceil((span.toMs - from) / DAY) + 1)
    await rollupDays(this.influx, span.toMs + DAY, days, this.physiologyOf)
  }
}
