/**
 * Carries out members' erasures (recorded by the registry's `eraseUser`, security review M2-M4). ingest
 * does it because it holds everything that must be purged: InfluxDB's write credentials (the dashboard's
 * read-only user cannot DROP SERIES), the durable log, the dead letters, and the broker the gateways
 * listen to. For each erasure, in order:
 *
 * 1. From the moment it is known: samples that arrive for one of the member's devices within the
 *    member's time on it (a gateway's outbox, a watch's buffer) are dropped at intake (PL_SAMPLE_ERASED),
 *    and the shipper leaves out every line still in the log with the member's tag, or from one of those
 *    device intervals without a member. Gateways are told which device intervals to purge from their outboxes.
 * 2. Once the shipper has passed everything the log held when the erasure was seen, the active segment is
 *    closed and every shipped segment deleted: no file of the log holds the member's data any more.
 * 3. Dead letters of those device intervals are purged.
 * 4. InfluxDB: DROP SERIES of every series tagged with the member (raw, derived, rollups: only theirs,
 *    so a shared strap keeps other wearers' data), and DELETE of untagged points in the device intervals.
 *    Again after `graceMs`, for anything analytics had in flight.
 * 5. The erasure is marked complete in the registry (audited).
 */
import type { Erasure, DeviceInterval, Registry } from '@pulseline/registry'
import { MEASUREMENTS } from '@pulseline/protocol'
import type { SampleLog } from '../log/sample-log.js'
import type { DeadLetterStore } from '../dead-letters/dead-letter-store.js'

export interface ErasureTarget {
  query(q: string, params: Record<string, string | number> | undefined, method: 'POST'): Promise<unknown>
}

export interface ErasureWorkerOptions {
  /** Wait after the first purge of InfluxDB before the second, for lines other services had in flight (ms). */
  graceMs: number
}

export interface ErasureEvents {
  completed(erasure: Erasure, ms: number): void
  failed(erasure: Erasure, err: Error): void
  /** Lines of an erasure under way left out of what was shipped. */
  filtered(lines: number): void
  /** The device intervals gateways must purge from their outboxes, by gym, whenever they change. */
  intervalsChanged(byGym: Map<string, DeviceInterval[]>): void
}

/** Keeps device intervals of erasures this long after completion: older samples are refused as too old anyway. */
const KEEP_COMPLETED_MS = 31 * 24 * 3_600_000

export class ErasureWorker {
  private erasures: Erasure[] = []
  private readonly running = new Map<number, Promise<void>>()
  private byDevice = new Map<string, DeviceInterval[]>()
  /** Members whose erasure is under way: their lines are filtered out of what is shipped. */
  private inProgress: Erasure[] = []
  private closed = false

  constructor(
    private readonly registry: Registry,
    private readonly log: SampleLog,
    private readonly deadLetters: DeadLetterStore,
    private readonly influx: ErasureTarget,
    private readonly options: ErasureWorkerOptions,
    private readonly events: ErasureEvents,
  ) {}

  /** Whether a sample of `device` at `t` belongs to an erased member (dropped at intake). */
  erased(device: string, t: number): boolean {
    const intervals = this.byDevice.get(device)
    return intervals !== undefined && intervals.some((i) => t >= i.fromMs && t <= i.toMs)
  }

  /** Whether an erasure covers this device at all (an erased member's own device, deleted with them). */
  erasedDevice(device: string): boolean {
    return this.byDevice.has(device)
  }

  /** Reads the registry's erasures and starts those not yet under way. Call at start and on an 'erasure' change. */
  async refresh(): Promise<void> {
    this.erasures = await this.registry.erasures(Date.now() - KEEP_COMPLETED_MS)
    const byDevice = new Map<string, DeviceInterval[]>()
    for (const e of this.erasures) for (const i of e.intervals) byDevice.set(i.device, [...(byDevice.get(i.device) ?? []), i])
    this.byDevice = byDevice
    const byGym = new Map<string, DeviceInterval[]>()
    for (const e of this.erasures) if (e.gymId) byGym.set(e.gymId, [...(byGym.get(e.gymId) ?? []), ...e.intervals])
    this.events.intervalsChanged(byGym)
    for (const e of this.erasures) {
      if (e.completedMs !== null || this.running.has(e.id)) continue
      this.running.set(
        e.id,
        this.carryOut(e)
          .catch((err: Error) => this.events.failed(e, err)) // retried at the next refresh
          .finally(() => this.running.delete(e.id)),
      )
    }
  }

  /** Waits for every erasure under way (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()])
  }

  close(): void {
    this.closed = true
  }

  /** The shipper's filter: leaves out the lines of erasures under way. */
  readonly filter = (body: Buffer): Buffer => {
    if (this.inProgress.length === 0) return body
    const members = this.inProgress.map((e) => Buffer.from(`,member=${e.member}`))
    const devices = this.inProgress.flatMap((e) => e.intervals).map((i) => ({ tag: Buffer.from(`device=${i.device}`), ...i }))
    // The common case costs one scan: nothing of theirs in this batch.
    if (!members.some((m) => body.includes(m)) && !devices.some((d) => body.includes(d.tag))) return body
    const kept: Buffer[] = []
    for (let start = 0; start < body.length; ) {
      const end = body.indexOf(10, start) + 1 || body.length
      const line = body.subarray(start, end)
      start = end
      const space = line.indexOf(32)
      const key = line.subarray(0, space < 0 ? line.length : space)
      if (members.some((m) => endsOrContinues(key, m))) continue
      if (!key.includes(',member=')) {
        const t = Number(line.subarray(line.lastIndexOf(32) + 1).toString().trim())
        if (devices.some((d) => endsOrContinues(key, Buffer.concat([Buffer.from(','), d.tag])) && t >= d.fromMs && t <= d.toMs)) continue
      }
      kept.push(line)
    }
    const out = Buffer.concat(kept)
    this.events.filtered(countNewlines(body) - countNewlines(out))
    return out
  }

  private async carryOut(erasure: Erasure): Promise<void> {
    const started = Date.now()
    this.inProgress.push(erasure)
    try {
      // 2. Everything the log held when the erasure was seen passes through the filter, then goes.
      const target = this.log.end
      while (this.log.committedOffset < target && !this.closed) await new Promise((r) => setTimeout(r, 50))
      if (this.closed) return
      await this.log.sealActive()
      // 3. Dead letters of the member's devices, in their time.
      const devices = new Set(erasure.intervals.map((i) => i.device))
      const from = new Map<string, number>()
      for (const i of erasure.intervals) from.set(i.device, Math.min(from.get(i.device) ?? Infinity, i.fromMs))
      await this.deadLetters.purge((l) => l.device !== undefined && devices.has(l.device) && l.at >= (from.get(l.device) ?? Infinity))
      // 4. InfluxDB, twice.
      await this.purgeInflux(erasure)
      await new Promise((r) => setTimeout(r, this.options.graceMs))
      if (this.closed) return
      await this.purgeInflux(erasure)
      await this.registry.completeErasure(erasure.id, Date.now())
      this.events.completed(erasure, Date.now() - started)
    } finally {
      this.inProgress = this.inProgress.filter((e) => e.id !== erasure.id)
    }
  }

  private async purgeInflux(erasure: Erasure): Promise<void> {
    // Every measurement, raw and derived: DROP SERIES matches the member tag wherever it is.
    await this.influx.query('DROP SERIES WHERE "member" = $member', { member: erasure.member }, 'POST')
    for (const i of erasure.intervals) {
      for (const m of MEASUREMENTS) {
        await this.influx.query(`DELETE FROM "${m}" WHERE "device" = $device AND "member" = '' AND time >= ${Math.floor(i.fromMs)}ms AND time <= ${Math.floor(i.toMs)}ms`, { device: i.device }, 'POST')
      }
    }
  }
}

function countNewlines(b: Buffer): number {
  let n = 0
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++
  return n
}

/** Whether `key` (a line's measurement and tags) contains `tag` followed by a comma or its end. */
function endsOrContinues(key: Buffer, tag: Buffer): boolean {
  for (let at = key.indexOf(tag); at >= 0; at = key.indexOf(tag, at + 1)) {
    const next = at + tag.length
    if (next === key.length || key[next] === 44) return true
  }
  return false
}
