/**
 * Derived lines on their way to InfluxDB: a bounded queue flushed on a timer. Derived data can be
 * recomputed from the raw samples (which ingest's log makes durable), so when InfluxDB is away for long the
 * oldest derived lines are dropped, and counted, rather than growing memory without bound.
 *
 * Write failures are classified as ingest's shipper does (Telegraf's way): a batch InfluxDB refuses (400,
 * a field type conflict, say) is dropped and counted, so that one bad line never blocks every derived line
 * behind it; a batch too large (413) is split; anything else stays queued for the next flush.
 */
import { InfluxWriteError, type InfluxClient } from '@pulseline/influx'

export class LineQueue {
  private lines: string[] = []
  dropped = 0
  written = 0
  failures = 0
  /** Lines InfluxDB refused (counted apart from those dropped for want of room). */
  refused = 0
  lastError: string | undefined
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

  /** Drops the queued lines that carry this member's tag (their erasure); returns how many. */
  forgetMember(member: string): number {
    const tag = `,member=${member}`
    const before = this.lines.length
    this.lines = this.lines.filter((line) => {
      const key = line.slice(0, line.indexOf(' '))
      const at = key.indexOf(tag)
      return at < 0 || (key[at + tag.length] !== ',' && at + tag.length !== key.length)
    })
    return before - this.lines.length
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
        await this.send(batch)
        this.lines.splice(0, batch.length)
      }
    } catch (err) {
      this.failures++ // retryable: the batch stays at the head for the next flush
      this.lastError = (err as Error).message
    }
  }

  /** Writes a batch; resolves when it is written or refused for good, rejects when it should be retried. */
  private async send(batch: string[]): Promise<void> {
    try {
      await this.influx.write(batch.join(''))
      this.written += batch.length
    } catch (err) {
      if (!(err instanceof InfluxWriteError) || err.kind === 'retry') throw err
      this.failures++
      this.lastError = err.message
      if (err.kind === 'split' && batch.length > 1) {
        const half = batch.length >> 1
        await this.send(batch.slice(0, half))
        await this.send(batch.slice(half))
        return
      }
      // Refused for good (400; 1.x writes the rest of a partial write): dropped and counted.
      this.refused += err.droppedPoints ?? batch.length
    }
  }
}
