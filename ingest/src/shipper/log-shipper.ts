/**
 * Ships the durable log into InfluxDB: the one place that batches, retries and counts write failures
 * (Telegraf's RunningOutput). Each log record is already line protocol, so a batch body is the
 * concatenation of records: nothing is parsed or re-serialised on this path.
 *
 * - Up to `maxInFlight` requests at once (one request keeps only ~1.1 cores of influxd busy).
 * - The log offset is committed only up to the end of the oldest batch not yet written, so a crash
 *   replays at most the in-flight batches; replays are idempotent (same series + timestamp).
 * - Failures are handled by class: drop → dead-letter the body; split → halve at a line boundary;
 *   retry → back off (honouring Retry-After) and try the same body again, forever, while the log holds
 *   the data. Memory is bounded by maxInFlight × batchBytes whatever InfluxDB does.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { InfluxWriteError, networkWriteError } from '@pulseline/influx'
import { backoffDelay } from '@pulseline/protocol'
import type { SampleLog } from '../log/sample-log.js'

export interface ShipperOptions {
  batchBytes: number
  maxInFlight: number
  backoffInitialMs: number
  backoffMaxMs: number
  /** How long a batch smaller than batchBytes waits for more data before it is sent (ms). */
  lingerMs: number
}

/** The part of InfluxClient the shipper needs; tests pass the real client. */
export interface LineWriter {
  write(body: Buffer): Promise<void>
  ensureDatabase(): Promise<unknown>
}

export interface ShipperEvents {
  written(points: number, bytes: number, seconds: number): void
  failed(err: InfluxWriteError): void
  /** Points InfluxDB refused for good; `body` holds the lines that were sent. */
  dropped(body: Buffer, err: InfluxWriteError, points: number): void
}

interface Batch {
  end: number
  done: boolean
  sent: Promise<void>
}

export class LogShipper {
  private readonly queue: Batch[] = []
  private committing: Promise<void> | undefined
  private commitTarget = 0
  private running: Promise<void> | undefined
  private readonly stopController = new AbortController()
  /** False after a failed write until the next successful one; /healthz reports it. */
  influxReachable = true
  lastError: string | undefined

  constructor(
    private readonly log: SampleLog,
    private readonly writer: LineWriter,
    private readonly options: ShipperOptions,
    private readonly events: ShipperEvents,
  ) {}

  /**
   * Lines to leave out of what is shipped from now on (an erased member's, while their erasure is carried
   * out); the identity by default. Whatever it leaves out is committed as shipped.
   */
  filter: (body: Buffer) => Buffer = (body) => body

  start(): void {
    this.running ??= this.run().catch((err) => {
      if (!this.stopController.signal.aborted) throw err
    })
  }

  /** Stops reading; in-flight retries are abandoned and replayed from the log at the next start. */
  async stop(): Promise<void> {
    this.stopController.abort()
    await this.running
    await Promise.allSettled(this.queue.map((b) => b.sent))
    await this.committing
  }

  get inFlight(): number {
    return this.queue.filter((b) => !b.done).length
  }

  private async run(): Promise<void> {
    const signal = this.stopController.signal
    let cursor = this.log.committedOffset
    while (!signal.aborted) {
      while (this.inFlight >= this.options.maxInFlight && !signal.aborted) {
        await Promise.race(this.queue.filter((b) => !b.done).map((b) => b.sent))
      }
      if (cursor >= this.log.end) {
        await this.log.waitForData(cursor, 500, signal)
        continue
      }
      if (this.options.lingerMs > 0 && this.log.end - cursor < this.options.batchBytes) {
        await sleep(this.options.lingerMs, undefined, { signal }).catch(() => {})
      }
      const { records, next } = await this.log.read(cursor, this.options.batchBytes)
      cursor = next
      if (records.length === 0) continue
      const body = this.filter(records.length === 1 ? records[0]! : Buffer.concat(records))
      const batch: Batch = { end: next, done: false, sent: Promise.resolve() }
      batch.sent = (body.length > 0 ? this.send(body) : Promise.resolve()).then(
        () => {
          batch.done = true
          // Not awaited: the next batch need not wait for the checkpoint file (a few turns of a busy loop).
          this.commitWritten()
        },
        () => {
          // abandoned at stop: stays uncommitted and is replayed next time
        },
      )
      this.queue.push(batch)
    }
  }

  /**
   * Commits up to the end of the written batches at the head of the queue. One commit runs at a time;
   * batches written meanwhile are committed together by the next one.
   */
  private commitWritten(): void {
    while (this.queue.length > 0 && this.queue[0]!.done) this.commitTarget = this.queue.shift()!.end
    this.committing ??= this.commitLoop().finally(() => (this.committing = undefined))
  }

  private async commitLoop(): Promise<void> {
    while (this.commitTarget > this.log.committedOffset) {
      const before = this.log.committedOffset
      try {
        await this.log.commit(this.commitTarget)
        if (this.log.committedOffset === before) return // a log that clamps the offset: nothing more to do
      } catch (err) {
        // Not fatal: the next written batch commits again, and a replay is idempotent.
        this.lastError = `commit: ${(err as Error).message}`
        return
      }
    }
  }

  private async send(body: Buffer): Promise<void> {
    const signal = this.stopController.signal
    for (let attempt = 0; ; attempt++) {
      // Again before every retry: an erasure may have begun while this batch waited for InfluxDB.
      if (attempt > 0) body = this.filter(body)
      if (body.length === 0) return
      const started = performance.now()
      try {
        await this.writer.write(body)
        this.influxReachable = true
        this.events.written(countLines(body), body.length, (performance.now() - started) / 1000)
        return
      } catch (e) {
        const err = e instanceof InfluxWriteError ? e : networkWriteError(e)
        this.lastError = err.message
        this.events.failed(err)
        if (err.kind === 'drop') {
          this.events.dropped(body, err, err.droppedPoints ?? countLines(body))
          return
        }
        if (err.kind === 'split') {
          const cut = splitPoint(body)
          if (cut < 0) {
            this.events.dropped(body, err, 1) // one line larger than the server accepts
            return
          }
          await this.send(body.subarray(0, cut))
          await this.send(body.subarray(cut))
          return
        }
        this.influxReachable = false
        if (err.status === 404) await this.writer.ensureDatabase().catch(() => {})
        const delay = err.retryAfterMs ?? backoffDelay(attempt, this.options.backoffInitialMs, this.options.backoffMaxMs)
        await sleep(delay, undefined, { signal }) // rejects on stop: the batch stays in the log
      }
    }
  }
}

/** Lines in a line-protocol body (each ends in "\n"). */
export function countLines(body: Buffer): number {
  let n = 0
  for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) n++
  return n
}

/** Index just after the newline nearest the middle; -1 when the body is a single line. */
export function splitPoint(body: Buffer): number {
  const middle = body.length >> 1
  const after = body.indexOf(10, middle)
  if (after !== -1 && after + 1 < body.length) return after + 1
  const before = body.lastIndexOf(10, middle - 1)
  return before === -1 ? -1 : before + 1
}
