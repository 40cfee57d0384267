/**
 * What ingest needs of its log, whichever holds it: the local durable log (one node, the default) or a
 * JetStream stream replicated over several machines (cluster mode). Offsets only ever grow; a record is
 * one append, already line protocol; `commit(offset)` says everything below it reached InfluxDB.
 */
import type { DurableLogStats, ReadResult } from './durable-log.js'

export interface SampleLog {
  /** The offset just past the last durable record. */
  readonly end: number
  /** Everything below this offset reached InfluxDB. */
  readonly committedOffset: number
  /** Bytes held that have not reached InfluxDB yet. */
  readonly backlogBytes: number
  /** Bytes this log keeps on this machine's disk. */
  readonly diskBytes: number
  /** Bytes appended and not yet durable. */
  readonly pendingFlushBytes: number
  /** True once the log can no longer accept appends. */
  readonly failed: boolean
  readonly stats: DurableLogStats
  /** Resolves once `payload` is durable: the PUBACK waits for it. It is copied before this returns (the caller may reuse it). */
  append(payload: Uint8Array): Promise<void>
  read(from: number, maxBytes: number): Promise<ReadResult>
  /** Resolves once data beyond `from` is durable, after `timeoutMs`, or when `signal` aborts. */
  waitForData(from: number, timeoutMs: number, signal?: AbortSignal): Promise<void>
  commit(offset: number): Promise<void>
  /** Makes what is shipped leave the machine's disk (an erasure waits for it). */
  sealActive(): Promise<void>
  close(): Promise<void>
}
