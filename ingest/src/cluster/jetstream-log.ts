/**
 * ingest's log in cluster mode: one JetStream stream per node (`PL_LOG_<node>`), file storage, replicated
 * to `replicas` NATS servers. An append resolves when JetStream acknowledges it, which it does once a
 * majority of the replicas hold it: the PUBACK then means the sample is on more than one machine, and a
 * node killed with its disk loses nothing acknowledged. Offsets are the stream's sequence numbers, so the
 * shipper (shipper/log-shipper.ts) runs on it unchanged; a commit purges what reached InfluxDB.
 *
 * The stream outlives its node: another node adopts and ships it (log-adoption.ts).
 */
import { DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager, type Consumer, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream'
import type { NatsConnection } from '@nats-io/transport-node'
import type { DurableLogStats, ReadResult } from '../log/durable-log.js'
import type { SampleLog } from '../log/sample-log.js'

export interface JetStreamLogOptions {
  /** The node whose stream this is. */
  node: string
  replicas: number
  /** The stream refuses appends beyond this (as the local log does at log.maxBytes). */
  maxBytes: number
  publishTimeoutMs: number
  /** Adopting another node's stream: never append, never create. */
  readOnly?: boolean
}

/** The most one JetStream message carries of grouped appends (the servers' max_payload is 8 MB). */
const GROUP_BYTES = 1024 * 1024

export const streamOf = (node: string) => `PL_LOG_${node}`
const subjectOf = (node: string) => `pulseline.log.${node}`

export class JetStreamLog implements SampleLog {
  readonly stats: DurableLogStats = { appendedRecords: 0, appendedBytes: 0, flushes: 0, truncatedBytes: 0, skippedBytes: 0, droppedBytes: 0, refusedRecords: 0 }
  private committed: number
  private last: number
  private pending = 0
  private readonly group: Array<{ payload: Buffer; resolve: () => void; reject: (err: Error) => void }> = []
  private flushScheduled = false
  private appendFailing = false
  private storedBytes = 0
  private meanRecordBytes = 512
  private reader: { consumer: Consumer; next: number } | undefined
  private readonly waiting = new Set<() => void>()
  private readonly stateTimer: NodeJS.Timeout

  private constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: JetStreamLogOptions,
    first: number,
    end: number,
  ) {
    this.committed = first
    this.last = end
    // The backlog gauge: the stream's bytes, as JetStream counts them, refreshed every second.
    this.stateTimer = setInterval(() => void this.refreshState(), 1_000).unref()
  }

  /** Creates the node's stream if needed (retrying while the cluster elects its leaders) and opens it. */
  static async open(nc: NatsConnection, options: JetStreamLogOptions, startTimeoutMs = 30_000): Promise<JetStreamLog> {
    // No API check here: right after a cluster starts, JetStream answers only once it has elected leaders.
    const jsm = await jetstreamManager(nc, { checkAPI: false })
    const stream = streamOf(options.node)
    const deadline = Date.now() + startTimeoutMs
    for (;;) {
      try {
        if (!options.readOnly) {
          await jsm.streams.add({
            name: stream,
            subjects: [subjectOf(options.node)],
            storage: StorageType.File,
            retention: RetentionPolicy.Limits,
            discard: DiscardPolicy.New,
            max_bytes: options.maxBytes,
            num_replicas: options.replicas,
          })
        }
        const { state } = await jsm.streams.info(stream)
        // An empty stream's first_seq is one past its last: the same "nothing left to ship".
        return new JetStreamLog(jetstream(nc), jsm, options, state.messages === 0 ? state.last_seq + 1 : state.first_seq, state.last_seq + 1)
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`JetStream stream ${stream} not available: ${(err as Error).message}`)
        await new Promise((r) => setTimeout(r, 250))
      }
    }
  }

  get end(): number {
    return this.last
  }

  get committedOffset(): number {
    return this.committed
  }

  get backlogBytes(): number {
    return this.committed >= this.last ? 0 : this.storedBytes
  }

  /** Nothing of it is on this machine's disk that another could not replace. */
  get diskBytes(): number {
    return 0
  }

  get pendingFlushBytes(): number {
    return this.pending
  }

  /** True while JetStream refuses or does not answer appends (no quorum, no server): /healthz says 503. */
  get failed(): boolean {
    return this.appendFailing
  }

  /**
   * Resolves once JetStream holds `payload` on a majority of its replicas. Appends made in the same turn of
   * the event loop (every PUBLISH of one socket read, and of others) go as one JetStream message, as the
   * local log's group commit makes them one write. A message to NATS per PUBLISH cost 2.8 times the CPU per
   * sample (ingest, NATS and Redis together) and ran at 0.39 of this rate (npm run bench -- --only cluster).
   */
  append(bytes: Uint8Array): Promise<void> {
    if (this.options.readOnly) return Promise.reject(new Error(`the stream of ${this.options.node} is adopted: read only`))
    const payload = Buffer.from(bytes) // a copy: the caller may reuse its bytes
    this.pending += payload.length
    this.stats.appendedRecords++
    this.stats.appendedBytes += payload.length
    const done = new Promise<void>((resolve, reject) => this.group.push({ payload, resolve, reject }))
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(() => void this.flush())
    }
    return done
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false
    while (this.group.length > 0) {
      // One message at most GROUP_BYTES (NATS servers here take 8 MB): a larger group goes as several.
      let bytes = 0
      let n = 0
      while (n < this.group.length && (n === 0 || bytes + this.group[n]!.payload.length <= GROUP_BYTES)) bytes += this.group[n++]!.payload.length
      const members = this.group.splice(0, n)
      const body = members.length === 1 ? members[0]!.payload : Buffer.concat(members.map((m) => m.payload), bytes)
      void this.publish(body, members)
    }
  }

  private async publish(body: Buffer, members: Array<{ resolve: () => void; reject: (err: Error) => void }>): Promise<void> {
    try {
      const ack = await this.js.publish(subjectOf(this.options.node), body, { timeout: this.options.publishTimeoutMs })
      this.stats.flushes++
      this.appendFailing = false
      this.storedBytes += body.length
      if (ack.seq + 1 > this.last) this.last = ack.seq + 1
      for (const m of members) m.resolve()
      for (const wake of this.waiting) wake()
    } catch (err) {
      this.stats.refusedRecords += members.length
      this.appendFailing = true
      for (const m of members) m.reject(err as Error)
    } finally {
      this.pending -= body.length
    }
  }

  async read(from: number, maxBytes: number): Promise<ReadResult> {
    const records: Buffer[] = []
    let next = from
    try {
      if (!this.reader || this.reader.next !== from) {
        const consumer = await this.js.consumers.get(streamOf(this.options.node), { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from })
        this.reader = { consumer, next: from }
      }
      // A pull waits until its batch is full or it expires: ask for the records there are, no more, so that it
      // returns at once (a byte-sized pull waited its whole second). About maxBytes, by the mean record size.
      const wanted = Math.max(1, Math.min(this.last - from, Math.floor(maxBytes / this.meanRecordBytes)))
      const batch = await this.reader.consumer.fetch({ max_messages: wanted, expires: 1_000 })
      for await (const m of batch) {
        records.push(Buffer.from(m.data))
        next = m.seq + 1
      }
      this.reader.next = next
    } catch {
      // NATS unreachable or the consumer gone: start a fresh reader at the first record not returned, soon.
      this.reader = undefined
      if (records.length === 0) await new Promise((r) => setTimeout(r, 250))
    }
    return { records, next }
  }

  waitForData(from: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.last > from || signal?.aborted) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.waiting.delete(done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      this.waiting.add(done)
      signal?.addEventListener('abort', done)
    })
  }

  async commit(offset: number): Promise<void> {
    if (offset <= this.committed) return
    // Everything below `offset` reached InfluxDB: it leaves every replica.
    await this.jsm.streams.purge(streamOf(this.options.node), { seq: offset })
    this.committed = offset
    await this.refreshState()
  }

  async sealActive(): Promise<void> {
    // Shipped records are purged from every replica at commit: nothing shipped stays at rest.
  }

  async close(): Promise<void> {
    clearInterval(this.stateTimer)
    for (const wake of this.waiting) wake()
    this.reader = undefined
  }

  private async refreshState(): Promise<void> {
    try {
      const { state } = await this.jsm.streams.info(streamOf(this.options.node))
      this.storedBytes = state.bytes
      if (state.messages > 0) this.meanRecordBytes = Math.max(64, state.bytes / state.messages)
      if (state.last_seq + 1 > this.last) this.last = state.last_seq + 1
    } catch {
      // the gauge keeps its last value while the cluster is unreachable
    }
  }
}
