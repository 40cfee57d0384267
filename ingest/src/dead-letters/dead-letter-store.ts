/**
 * Where rejected input goes: every payload, sample or write that Pulseline refuses is kept here with its
 * reasons, so an operator can see what a device sent and why it was refused. Letters are JSON records in
 * a DurableLog that deletes its oldest segments when full (counted), so a flood of garbage cannot fill
 * the disk or push out samples.
 */
import type { ErrorCode, Reason } from '@pulseline/protocol'
import { DurableLog } from '../log/durable-log.js'

export interface DeadLetter {
  /** When it was refused (ms since epoch). */
  at: number
  reason: ErrorCode
  /** Every reason, for a payload or sample that failed several checks. */
  reasons?: Reason[]
  device?: string
  client?: string
  topic?: string
  remote?: string
  detail?: string
  /** The refused bytes as UTF-8 text, cut to the store's keepPayloadBytes. */
  payload?: string
  payloadBytes?: number
}

export interface DeadLetterStoreOptions {
  dir: string
  maxBytes: number
  keepPayloadBytes: number
}

export class DeadLetterStore {
  private constructor(
    private readonly log: DurableLog,
    private readonly keepPayloadBytes: number,
  ) {}

  static async open(options: DeadLetterStoreOptions): Promise<DeadLetterStore> {
    const log = await DurableLog.open({
      dir: options.dir,
      segmentBytes: Math.max(4096, Math.floor(options.maxBytes / 8)),
      maxBytes: options.maxBytes,
      maxPendingBytes: 16 * 1024 * 1024,
      maxRecordBytes: 32 * 1024 * 1024,
      whenFull: 'drop-oldest',
    })
    return new DeadLetterStore(log, options.keepPayloadBytes)
  }

  /** Stores a letter; resolves when it is durable. The payload is cut to keepPayloadBytes. */
  put(letter: Omit<DeadLetter, 'payload' | 'payloadBytes'>, payload?: Buffer | string): Promise<void> {
    const record: DeadLetter = { ...letter }
    if (payload !== undefined) {
      const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload
      record.payloadBytes = bytes.length
      record.payload = bytes.subarray(0, this.keepPayloadBytes).toString('utf8')
    }
    return this.log.append(Buffer.from(JSON.stringify(record)))
  }

  /** Every stored letter, oldest first. */
  async *letters(): AsyncGenerator<DeadLetter> {
    let offset = this.log.start
    for (;;) {
      const { records, next } = await this.log.read(offset, 1024 * 1024)
      if (records.length === 0) return
      for (const r of records) yield JSON.parse(r.toString('utf8')) as DeadLetter
      offset = next
    }
  }

  get droppedBytes(): number {
    return this.log.stats.droppedBytes
  }

  get diskBytes(): number {
    return this.log.diskBytes
  }

  close(): Promise<void> {
    return this.log.close()
  }
}
