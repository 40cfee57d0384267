/**
 * Where rejected input goes: every payload, sample or write that Pulseline refuses is kept here with its
 * reasons, so an operator can see what a device sent and why it was refused. Letters are JSON records in
 * a DurableLog that deletes its oldest segments when full (counted), so a flood of garbage cannot fill
 * the disk or push out samples.
 */
import { rename, rm } from 'node:fs/promises'
import type { ErrorCode, Reason } from '@pulseline/protocol'
import { DurableLog, type DurableLogOptions } from '../log/durable-log.js'

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
  /** Set while letters are being purged: new letters wait for the rewritten store. */
  private purging: Promise<void> | undefined

  private constructor(
    private log: DurableLog,
    private readonly logOptions: DurableLogOptions,
    private readonly keepPayloadBytes: number,
  ) {}

  static async open(options: DeadLetterStoreOptions): Promise<DeadLetterStore> {
    const logOptions: DurableLogOptions = {
      dir: options.dir,
      segmentBytes: Math.max(4096, Math.floor(options.maxBytes / 8)),
      maxBytes: options.maxBytes,
      maxPendingBytes: 16 * 1024 * 1024,
      maxRecordBytes: 32 * 1024 * 1024,
      whenFull: 'drop-oldest',
    }
    return new DeadLetterStore(await DurableLog.open(logOptions), logOptions, options.keepPayloadBytes)
  }

  /**
   * Deletes every letter `drop` picks (an erased member's refused samples), by rewriting the store beside
   * itself and swapping the directories; returns how many went. Letters put meanwhile wait, then land in
   * the new store.
   */
  async purge(drop: (letter: DeadLetter) => boolean): Promise<number> {
    while (this.purging) await this.purging
    let dropped = 0
    for await (const l of this.letters()) if (drop(l)) dropped++
    if (dropped === 0) return 0
    let release!: () => void
    this.purging = new Promise((resolve) => (release = resolve))
    try {
      const dir = this.logOptions.dir
      const tmp = `${dir}.purge`
      await rm(tmp, { recursive: true, force: true })
      const fresh = await DurableLog.open({ ...this.logOptions, dir: tmp })
      const batch: Array<Promise<void>> = []
      dropped = 0
      for await (const l of this.letters()) {
        if (drop(l)) dropped++
        else batch.push(fresh.append(Buffer.from(JSON.stringify(l))))
        if (batch.length >= 1000) await Promise.all(batch.splice(0))
      }
      await Promise.all(batch)
      await fresh.close()
      await this.log.close()
      await rm(dir, { recursive: true, force: true })
      await rename(tmp, dir)
      this.log = await DurableLog.open(this.logOptions)
      return dropped
    } finally {
      this.purging = undefined
      release()
    }
  }

  /** Stores a letter; resolves when it is durable. The payload is cut to keepPayloadBytes. */
  put(letter: Omit<DeadLetter, 'payload' | 'payloadBytes'>, payload?: Buffer | string): Promise<void> {
    if (this.purging) return this.purging.then(() => this.put(letter, payload))
    const record: DeadLetter = { ...letter }
    if (payload !== undefined) {
      const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload
      record.payloadBytes = bytes.length
      record.payload = bytes.subarray(0, this.keepPayloadBytes).toString('utf8')
    }
    return this.log.append(Buffer.from(JSON.stringify(record)))
  }

  /** Stores a letter as it was kept elsewhere (a restore from a backup); resolves when it is durable. */
  keep(letter: DeadLetter): Promise<void> {
    if (this.purging) return this.purging.then(() => this.keep(letter))
    return this.log.append(Buffer.from(JSON.stringify(letter)))
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
