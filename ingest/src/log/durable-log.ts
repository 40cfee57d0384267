/**
 * An append-only log on disk, in segment files, with group commit.
 *
 * `append` resolves only once its record is on disk, so the broker can send PUBACK after it and a crash at
 * any moment loses no acknowledged sample. The active segment is open with O_DSYNC: a write returns once its
 * data is on disk, as write + fdatasync would, in one thread-pool call (so one turn of a busy event loop, not
 * two). Appends that arrive while a flush is in progress wait for the next flush and share its synced write:
 * one costs about 0.2 ms on these disks whatever its size, so batching many records per write is what
 * makes this fast.
 *
 * Offsets are logical byte positions across all segments. A consumer reads from its offset and
 * `commit`s how far it got; segments wholly before the committed offset are deleted. The committed
 * offset is saved in a small file: if that file is lost or stale, the consumer replays from an earlier
 * offset, which is harmless because InfluxDB overwrites a point with the same series and timestamp.
 *
 * Bounded: the log refuses appends beyond `maxBytes` on disk and `maxPendingBytes` waiting for a flush
 * (`whenFull: 'refuse'`, for samples), or deletes its oldest segment (`'drop-oldest'`, for dead letters).
 *
 * Appends whose payloads can be concatenated (line protocol) may be joined (`joinBytes`): one flush then
 * writes one framed record of many appends instead of one record each, so a message's share of framing,
 * checksums and reading back is a fraction of a record's. The guarantee is unchanged: a flush's appends
 * resolve together once its synced write returns, and a torn record is one that no append was acknowledged for.
 */
import { mkdir, open, readdir, rename, rm, stat, writeFile, readFile, type FileHandle } from 'node:fs/promises'
import { constants } from 'node:fs'
import { join } from 'node:path'
import { PulselineError } from '@pulseline/protocol'
import { frame, unframe, HEADER_BYTES } from './record.js'
import { JoinedRecords } from './joined-records.js'

export interface DurableLogOptions {
  dir: string
  /** A segment is closed and a new one started once it reaches this size (bytes). */
  segmentBytes: number
  /** Most bytes kept on disk. */
  maxBytes: number
  /** Most bytes accepted but not yet flushed; past this, appends are refused until the disk catches up. */
  maxPendingBytes: number
  /** Largest record accepted (bytes); also bounds what recovery believes a length field. */
  maxRecordBytes: number
  /** What to do when `maxBytes` is reached. */
  whenFull: 'refuse' | 'drop-oldest'
  /** Join the appends of one flush into records of about this many bytes (for payloads that concatenate); 0 or absent: a record per append. */
  joinBytes?: number
}

export interface DurableLogStats {
  /** Appends accepted (with `joinBytes`, several appends make one record on disk). */
  appendedRecords: number
  appendedBytes: number
  flushes: number
  /** Bytes cut off the end of the last segment at start-up because they were torn or corrupt. */
  truncatedBytes: number
  /** Bytes skipped while reading because a record was corrupt. */
  skippedBytes: number
  /** Bytes of whole segments deleted unread under `drop-oldest`. */
  droppedBytes: number
  refusedRecords: number
}

interface Segment {
  base: number
  /** Bytes durable in the file. */
  size: number
  path: string
}

/** The appends waiting for one flush: they share one promise, settled by that flush. */
interface FlushBatch {
  done: Promise<void>
  resolve: () => void
  reject: (err: Error) => void
}

function flushBatch(): FlushBatch {
  let resolve!: () => void
  let reject!: (err: Error) => void
  const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)))
  return { done, resolve, reject }
}

export interface ReadResult {
  records: Buffer[]
  /** Offset just after the last record returned; equal to `from` when nothing was available. */
  next: number
}

/** A segment file is named by its base offset; the consumer's committed offset is in `checkpoint`. */
export const SEGMENT_NAME = /^(\d{20})\.seg$/
/** The active segment's flags: every write is durable when it returns (O_DSYNC, as fdatasync after it). */
const OPEN_SYNCED = constants.O_RDWR | constants.O_DSYNC
const CREATE_SYNCED = OPEN_SYNCED | constants.O_CREAT | constants.O_EXCL
const CHECKPOINT = 'checkpoint'
/** Smallest buffer joined records start in: above Buffer's shared pool, so one is never a slice of it. */
const MIN_JOINED_BYTES = 64 * 1024

/** The committed offset saved in a log directory; 0 when there is none (or it is unreadable: replay is harmless). */
export async function readCheckpoint(dir: string): Promise<number> {
  const text = (await readFile(join(dir, CHECKPOINT), 'utf8').catch(() => '')).trim()
  return /^\d+$/.test(text) ? Number(text) : 0
}

export class DurableLog {
  readonly stats: DurableLogStats = {
    appendedRecords: 0,
    appendedBytes: 0,
    flushes: 0,
    truncatedBytes: 0,
    skippedBytes: 0,
    droppedBytes: 0,
    refusedRecords: 0,
  }

  private readonly segments: Segment[] = []
  private active!: FileHandle
  private readonly readers = new Map<number, FileHandle>()
  /** Framed records waiting for the next flush; with `joinBytes`, `joined` holds them instead. */
  private pending: Buffer[] = []
  private joined: JoinedRecords | undefined
  /** The last joined flush's buffer once its write has returned, for the next flush to fill (joinedBuffer). */
  private spare: Buffer | undefined
  /** The largest joined flush of late: the largest, less 1 % for every flush since (joinedBuffer). */
  private joinedPeak = 0
  private pendingBytes = 0
  private batch: FlushBatch | undefined
  private flushing = false
  private flushScheduled = false
  private failure: Error | undefined
  private dataWaiters: Array<() => void> = []
  private committed = 0
  private checkpointWriting: Promise<void> | undefined
  private checkpointDirty = false
  private closed = false

  private constructor(readonly options: DurableLogOptions) {}

  static async open(options: DurableLogOptions): Promise<DurableLog> {
    const log = new DurableLog(options)
    await log.recover()
    return log
  }

  /** First offset still on disk. */
  get start(): number {
    return this.segments[0]!.base
  }

  /** Offset just after the last durable record. */
  get end(): number {
    const last = this.segments[this.segments.length - 1]!
    return last.base + last.size
  }

  /** The consumer's committed offset. */
  get committedOffset(): number {
    return this.committed
  }

  /** Durable bytes not yet committed by the consumer. */
  get backlogBytes(): number {
    return this.end - this.committed
  }

  get diskBytes(): number {
    return this.end - this.start
  }

  /** True after a write or fsync failed: the log refuses appends until it is reopened. */
  get failed(): boolean {
    return this.failure !== undefined
  }

  get pendingFlushBytes(): number {
    return this.pendingBytes
  }

  /**
   * Appends one record; resolves when it is durable. Rejects with PL_LOG_FULL when the log is at a limit.
   * `payload` is copied before this returns: the caller may reuse its bytes.
   */
  append(payload: Uint8Array): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.closed) return Promise.reject(new Error('log is closed'))
    if (payload.length > this.options.maxRecordBytes) return this.refuse(`record of ${payload.length} bytes`)
    // A header per append is counted even when appends are joined: an upper bound.
    const bytes = payload.length + HEADER_BYTES
    if (this.pendingBytes + bytes > this.options.maxPendingBytes) return this.refuse('pending flush buffer')
    if (this.options.whenFull === 'refuse' && this.diskBytes + this.pendingBytes + bytes > this.options.maxBytes) {
      return this.refuse(String(this.options.maxBytes))
    }
    const { joinBytes } = this.options
    // Never past maxRecordBytes: recovery and readers take a longer record for corruption.
    if (joinBytes) (this.joined ??= new JoinedRecords(Math.min(joinBytes, this.options.maxRecordBytes), this.joinedBuffer())).add(payload)
    else this.pending.push(frame(payload))
    this.pendingBytes += bytes
    this.stats.appendedRecords++
    this.stats.appendedBytes += payload.length
    const batch = (this.batch ??= flushBatch())
    if (!this.flushing && !this.flushScheduled) {
      // Wait one turn of the event loop so that every packet of the same socket read joins this flush.
      this.flushScheduled = true
      setImmediate(() => void this.flush())
    }
    return batch.done
  }

  /**
   * Reads durable records from `from`, about `maxBytes` of them (at least one whole record when any is
   * available). Offsets before `start` are moved up to `start`.
   */
  async read(from: number, maxBytes: number): Promise<ReadResult> {
    let offset = Math.max(from, this.start)
    while (offset < this.end) {
      const segment = this.segmentAt(offset)
      const segmentEnd = segment.base + segment.size
      if (offset >= segmentEnd) {
        offset = segmentEnd
        continue
      }
      const handle = await this.reader(segment)
      let want = Math.min(maxBytes, segmentEnd - offset)
      let buf = await readAt(handle, offset - segment.base, want)
      const records: Buffer[] = []
      let pos = 0
      for (;;) {
        const r = unframe(buf, pos, this.options.maxRecordBytes)
        if (r.kind === 'record') {
          records.push(r.payload)
          pos = r.next
          continue
        }
        if (r.kind === 'incomplete' && records.length === 0 && want < segmentEnd - offset) {
          // A record larger than maxBytes: read exactly it.
          want = buf.length - pos >= HEADER_BYTES ? HEADER_BYTES + buf.readUInt32LE(pos) : HEADER_BYTES
          buf = await readAt(handle, offset - segment.base, Math.min(want, segmentEnd - offset))
          continue
        }
        if (records.length > 0) return { records, next: offset + pos }
        // Damaged durable data (a bad checksum, or a record running past the segment's end): skip the
        // rest of that segment, counted, rather than stall the consumer forever.
        this.stats.skippedBytes += segmentEnd - offset
        offset = segmentEnd
        break
      }
    }
    return { records: [], next: offset }
  }

  /** Resolves once data beyond `from` is durable, after `timeoutMs`, or when `signal` aborts. */
  waitForData(from: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.end > from || this.closed || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        const i = this.dataWaiters.indexOf(done)
        if (i >= 0) this.dataWaiters.splice(i, 1)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      signal?.addEventListener('abort', done, { once: true })
      this.dataWaiters.push(done)
    })
  }

  /** Records the consumer's progress and deletes segments it has wholly passed. */
  async commit(offset: number): Promise<void> {
    if (offset <= this.committed) return
    this.committed = Math.min(offset, this.end)
    while (this.segments.length > 1 && this.segments[0]!.base + this.segments[0]!.size <= this.committed) {
      await this.deleteOldest()
    }
    this.checkpointDirty = true
    if (!this.checkpointWriting) this.checkpointWriting = this.writeCheckpoint()
    await this.checkpointWriting
  }

  /**
   * Closes the active segment (later appends start a new one) and deletes every segment already shipped.
   * Erasure uses it: once the shipper has passed the erasure point, no file of the log holds what came before.
   */
  async sealActive(): Promise<void> {
    while (this.flushing || this.flushScheduled) await new Promise((r) => setImmediate(r))
    if (this.closed || this.failure) return
    const last = this.segments[this.segments.length - 1]!
    if (last.size > 0) await this.roll()
    while (this.segments.length > 1 && this.segments[0]!.base + this.segments[0]!.size <= this.committed) await this.deleteOldest()
  }

  async close(): Promise<void> {
    while (this.flushing || this.flushScheduled || this.hasPending) await new Promise((r) => setImmediate(r))
    this.closed = true
    await this.checkpointWriting
    for (const w of this.dataWaiters.splice(0)) w()
    await this.active.close()
    for (const h of this.readers.values()) await h.close()
    this.readers.clear()
  }

  private get hasPending(): boolean {
    return this.pending.length > 0 || this.joined !== undefined
  }

  /**
   * The buffer the next flush's appends are joined in. Flushes take turns with two buffers (one writes while
   * the next fills): a new one each flush, up to 5 MB at 20 samples a message, was fresh memory for the kernel
   * to fault in page by page, and grew by copying whenever a flush outgrew the last (flushes under load range
   * from 100 KB to 5 MB); the two were 12 % of ingest's main thread (a CPU profile, 2026-12-06). A buffer is
   * sized for the largest flush of late, and let go once it is four times that: some 140 flushes after a burst.
   */
  private joinedBuffer(): Buffer {
    const { spare } = this
    this.spare = undefined
    const wanted = Math.max(MIN_JOINED_BYTES, this.joinedPeak)
    if (spare && spare.length <= 4 * wanted) return spare
    return Buffer.allocUnsafe(Math.ceil(wanted * 1.25))
  }

  private refuse(what: string): Promise<never> {
    this.stats.refusedRecords++
    return Promise.reject(new PulselineError('PL_LOG_FULL', what))
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false
    if (this.flushing) return
    this.flushing = true
    try {
      while (this.hasPending) {
        const { pending: entries, joined } = this
        const batch = this.batch!
        this.pending = []
        this.joined = undefined
        this.pendingBytes = 0
        this.batch = undefined
        try {
          let segment = this.segments[this.segments.length - 1]!
          if (segment.size >= this.options.segmentBytes) segment = await this.roll()
          const body = joined ? joined.finish() : entries.length === 1 ? entries[0]! : Buffer.concat(entries)
          let written = 0
          while (written < body.length) {
            const { bytesWritten } = await this.active.write(body, written, body.length - written, segment.size + written)
            written += bytesWritten
          }
          if (joined) {
            this.joinedPeak = Math.max(body.length, this.joinedPeak * 0.99)
            this.spare = joined.buffer // written: nothing else holds it
          }
          // No fdatasync: the segment is open with O_DSYNC, so the write returns once the data is on disk,
          // in one thread-pool call (and one turn of the event loop) instead of two.
          segment.size += body.length
          this.stats.flushes++
        } catch (err) {
          // A failed write or fsync leaves the file's state unknown (fsyncgate): stop accepting rather than
          // acknowledge data that may not be on disk. Restarting re-validates the tail.
          this.failure = err as Error
          batch.reject(err as Error)
          const later = this.batch as FlushBatch | undefined // appends made while this flush waited for the disk
          later?.reject(err as Error)
          this.batch = undefined
          this.pending = []
          this.joined = undefined
          this.pendingBytes = 0
          return
        }
        batch.resolve()
        for (const w of this.dataWaiters.splice(0)) w()
        if (this.options.whenFull === 'drop-oldest') {
          while (this.segments.length > 1 && this.diskBytes > this.options.maxBytes) {
            this.stats.droppedBytes += this.segments[0]!.size
            await this.deleteOldest()
          }
        }
      }
    } finally {
      this.flushing = false
    }
  }

  private async roll(): Promise<Segment> {
    const segment = { base: this.end, size: 0, path: join(this.options.dir, segmentName(this.end)) }
    await this.active.close()
    this.active = await open(segment.path, CREATE_SYNCED)
    this.segments.push(segment)
    await syncDirectory(this.options.dir)
    return segment
  }

  private async deleteOldest(): Promise<void> {
    const oldest = this.segments.shift()!
    const reader = this.readers.get(oldest.base)
    this.readers.delete(oldest.base)
    await reader?.close()
    await rm(oldest.path, { force: true })
  }

  private segmentAt(offset: number): Segment {
    // Few segments are alive at once (backlog / segmentBytes), so a scan from the end is enough.
    for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i]!.base <= offset) return this.segments[i]!
    return this.segments[0]!
  }

  private async reader(segment: Segment): Promise<FileHandle> {
    let handle = this.readers.get(segment.base)
    if (!handle) {
      handle = await open(segment.path, 'r')
      this.readers.set(segment.base, handle)
    }
    return handle
  }

  private async writeCheckpoint(): Promise<void> {
    try {
      while (this.checkpointDirty) {
        this.checkpointDirty = false
        const tmp = join(this.options.dir, `${CHECKPOINT}.tmp`)
        await writeFile(tmp, String(this.committed))
        await rename(tmp, join(this.options.dir, CHECKPOINT))
      }
    } finally {
      this.checkpointWriting = undefined
    }
  }

  private async recover(): Promise<void> {
    const { dir } = this.options
    await mkdir(dir, { recursive: true })
    const names = (await readdir(dir)).filter((n) => SEGMENT_NAME.test(n)).sort()
    const checkpoint = await readCheckpoint(dir) // none yet: start from the first segment
    for (const name of names) {
      const path = join(dir, name)
      this.segments.push({ base: Number(SEGMENT_NAME.exec(name)![1]), size: (await stat(path)).size, path })
    }
    if (this.segments.length === 0) {
      const base = checkpoint
      this.segments.push({ base, size: 0, path: join(dir, segmentName(base)) })
      this.active = await open(this.segments[0]!.path, CREATE_SYNCED)
      await syncDirectory(dir)
    } else {
      const last = this.segments[this.segments.length - 1]!
      this.active = await open(last.path, OPEN_SYNCED)
      const valid = await this.validLength(this.active, last.size)
      if (valid < last.size) {
        this.stats.truncatedBytes += last.size - valid
        await this.active.truncate(valid)
        await this.active.datasync()
        last.size = valid
      }
    }
    this.committed = Math.min(Math.max(checkpoint, this.start), this.end)
  }

  /** Length of the prefix of a segment that holds whole, intact records. */
  private async validLength(handle: FileHandle, size: number): Promise<number> {
    const chunk = Math.max(4 * 1024 * 1024, this.options.maxRecordBytes + HEADER_BYTES)
    let pos = 0
    while (pos < size) {
      const buf = await readAt(handle, pos, Math.min(chunk, size - pos))
      let p = 0
      for (;;) {
        const r = unframe(buf, p, this.options.maxRecordBytes)
        if (r.kind !== 'record') break
        p = r.next
      }
      if (p === 0) return pos
      pos += p
      if (buf.length < chunk && p < buf.length) return pos
    }
    return pos
  }
}

function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}.seg`
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length)
  let read = 0
  while (read < length) {
    const { bytesRead } = await handle.read(buf, read, length - read, position + read)
    if (bytesRead === 0) break
    read += bytesRead
  }
  return read === length ? buf : buf.subarray(0, read)
}

/** fsync of the directory, so that a new segment's name survives a power cut along with its data. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
