/**
 * The gateway's store-and-forward queue, in SQLite (better-sqlite3, WAL, synchronous=FULL): every sample
 * is written here before anything is published, and deleted only after the broker's PUBACK. A SIGKILL or
 * a power cut therefore loses no sample the gateway had received (samples arriving in the same event-loop
 * turn share one transaction, the way the ingest log group-commits).
 *
 * Bounded: past `maxSamples` the oldest rows are deleted to make room, counted as dropped. Newest data is
 * what a coach needs live; the oldest backlog is what a long outage costs.
 */
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Sample } from '@pulseline/protocol'

export interface OutboxRow {
  id: number
  device: string
  sample: Sample
  createdMs: number
}

export interface OutboxOptions {
  path: string
  /** Most samples kept; the oldest are dropped past it. */
  maxSamples: number
}

export class Outbox {
  private readonly db: Database.Database
  private readonly insert: Database.Statement
  private readonly liveRows: Database.Statement
  private readonly backlogRows: Database.Statement
  private readonly dropOldest: Database.Statement
  private readonly deleteOne: Database.Statement
  private readonly pending: Array<[string, string, number]> = []
  private flushScheduled = false
  private size: number
  /** Samples deleted unsent because the outbox was full. */
  dropped = 0
  /** Called after rows are committed, so the publisher can send them. */
  onCommitted: () => void = () => {}

  constructor(private readonly options: OutboxOptions) {
    mkdirSync(dirname(options.path), { recursive: true })
    this.db = new Database(options.path)
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = FULL')
    this.db.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      device TEXT NOT NULL,
      sample TEXT NOT NULL,
      created_ms INTEGER NOT NULL
    )`)
    // Prepared once: the publisher reads the outbox on every tick.
    this.insert = this.db.prepare('INSERT INTO outbox (device, sample, created_ms) VALUES (?, ?, ?)')
    this.liveRows = this.db.prepare('SELECT id, device, sample, created_ms FROM outbox WHERE created_ms >= ? ORDER BY id LIMIT ?')
    this.backlogRows = this.db.prepare('SELECT id, device, sample, created_ms FROM outbox WHERE created_ms < ? ORDER BY id LIMIT ?')
    this.dropOldest = this.db.prepare('DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT ?)')
    this.deleteOne = this.db.prepare('DELETE FROM outbox WHERE id = ?')
    this.size = (this.db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n
  }

  get depth(): number {
    return this.size + this.pending.length
  }

  /** Queues a sample; it is committed with the others of this event-loop turn. */
  add(device: string, sample: Sample, createdMs = Date.now()): void {
    this.pending.push([device, JSON.stringify(sample), createdMs])
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => this.flush())
    }
  }

  /** Commits queued samples now (also called by the scheduled flush). */
  flush(): void {
    this.flushScheduled = false
    if (this.pending.length === 0) return
    const rows = this.pending.splice(0)
    this.db.transaction(() => {
      for (const row of rows) this.insert.run(...row)
      const over = this.size + rows.length - this.options.maxSamples
      if (over > 0) {
        const removed = this.dropOldest.run(over).changes
        this.dropped += removed
        this.size -= removed
      }
    })()
    this.size += rows.length
    this.onCommitted()
  }

  /** The newest rows created at or after `sinceMs`, oldest first, skipping ids in `exclude`. */
  live(sinceMs: number, limit: number, exclude: ReadonlySet<number>): OutboxRow[] {
    return this.select(this.liveRows, [sinceMs, limit + exclude.size], exclude, limit)
  }

  /** The oldest rows created before `beforeMs`, skipping ids in `exclude`. */
  backlog(beforeMs: number, limit: number, exclude: ReadonlySet<number>): OutboxRow[] {
    return this.select(this.backlogRows, [beforeMs, limit + exclude.size], exclude, limit)
  }

  remove(ids: readonly number[]): void {
    if (ids.length === 0) return
    let removed = 0
    this.db.transaction(() => {
      for (const id of ids) removed += this.deleteOne.run(id).changes
    })()
    this.size -= removed
  }

  /** Deletes the samples of `device` whose time lies in [fromMs, toMs] (an erased member's); returns how many. */
  purge(device: string, fromMs: number, toMs: number): number {
    this.flush()
    const removed = this.db.prepare("DELETE FROM outbox WHERE device = ? AND json_extract(sample, '$.t') BETWEEN ? AND ?").run(device, fromMs, toMs).changes
    this.size -= removed
    return removed
  }

  close(): void {
    this.flush()
    this.db.close()
  }

  private select(statement: Database.Statement, params: number[], exclude: ReadonlySet<number>, limit: number): OutboxRow[] {
    const rows = statement.all(...params) as Array<{ id: number; device: string; sample: string; created_ms: number }>
    const out: OutboxRow[] = []
    for (const r of rows) {
      if (exclude.has(r.id)) continue
      out.push({ id: r.id, device: r.device, sample: JSON.parse(r.sample) as Sample, createdMs: r.created_ms })
      if (out.length === limit) break
    }
    return out
  }
}
