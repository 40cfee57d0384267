/**
 * Derived lines on their way to InfluxDB: a bounded queue flushed on a timer. Derived data can be
 * recomputed from the raw samples (which ingest's log makes durable), so when InfluxDB is away for long the
 * oldest derived lines are dropped, and counted, rather than growing memory without bound.
 */
import type { InfluxClient } from '@pulseline/influx'

export class LineQueue {
  private lines: string[] = []
  dropped = 0
  written = 0
  failures = 0
  private flushing: Promise<void> | undefined

  constructor(
    private readonly influx: InfluxClient,
    private readonly maxLines: number,
    private readonly linesPerWrite = 5000,
  ) {}

  get length(): number {
    return this.lines.length
  }

  push(line: string): void {
    this.lines.push(line)
    if (this.lines.length > this.maxLines) {
      const excess = this.lines.length - this.maxLines
      this.lines.splice(0, excess)
      this.dropped += excess
    }
  }

  /** Writes what is queued; on failure the lines stay for the next flush. */
  flush(): Promise<void> {
    if (!this.flushing) {
      const run = this.writeAll()
      this.flushing = run
      void run.finally(() => {
        if (this.flushing === run) this.flushing = undefined
      })
    }
    return this.flushing
  }

  private async writeAll(): Promise<void> {
    try {
      while (this.lines.length > 0) {
        const batch = this.lines.slice(0, this.linesPerWrite)
        await this.influx.write(batch.join(''))
        this.lines.splice(0, batch.length)
        this.written += batch.length
      }
    } catch {
      this.failures++
    }
  }
}
