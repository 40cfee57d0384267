/**
 * "A device on the pool's list that sends data while unassigned is stored under the device and
 * attributed once assigned." When an assignment appears that covers samples already written without a
 * member, those points are rewritten with the member tag and the untagged copies deleted, measurement by
 * measurement, within the assignment's interval.
 *
 * It waits until the shipper has written everything the log held when the change was seen, so that no
 * untagged sample lands in InfluxDB after the rewrite. Only the last `lookbackMs` are considered, which
 * bounds the work when an old device gets its first assignment.
 */
import { MEASUREMENTS, pointLine } from '@pulseline/protocol'
import { rowsOf, timeRange, type InfluxClient } from '@pulseline/influx'
import type { Assignment } from '@pulseline/registry'

const TAGS = new Set(['device', 'gym', 'machine', 'member', 'stage'])

/** Moves the device's untagged points inside each assignment to the assigned member. Returns points moved. */
export async function reattribute(influx: InfluxClient, deviceId: string, assignments: readonly Assignment[], now: number, lookbackMs: number): Promise<number> {
  let moved = 0
  for (const a of assignments) {
    const from = Math.max(a.fromMs, now - lookbackMs)
    const to = a.toMs ?? now
    if (to <= from) continue
    for (const m of MEASUREMENTS) {
      const params = { device: deviceId }
      const range = timeRange(from, to)
      const rows = rowsOf(await influx.query(`SELECT * FROM "${m}" WHERE "device" = $device AND "member" = '' AND ${range}`, params))
      if (rows.length === 0) continue
      let body = ''
      for (const row of rows) {
        // Written back as they were, with the member's tag: field types from the one series declaration.
        const tags = Object.fromEntries([...TAGS].filter((t) => t !== 'member' && row[t] !== null && row[t] !== undefined).map((t) => [t, String(row[t])]))
        const fields = Object.fromEntries(Object.entries(row).filter(([k, v]) => k !== 'time' && !TAGS.has(k) && v !== null && v !== undefined)) as Record<string, number | string | boolean>
        if (Object.keys(fields).length === 0) continue
        body += pointLine(m, { ...tags, member: a.userId }, fields, row.time as number)
      }
      await influx.write(body)
      await influx.query(`DELETE FROM "${m}" WHERE "device" = $device AND "member" = '' AND ${range}`, params, 'POST')
      moved += rows.length
    }
  }
  return moved
}

/**
 * Runs reattribution when assignments change, one run after another: each waits until the log, as it was
 * when the change was seen, has reached InfluxDB, so the points it moves are there to move.
 */
export class Reattributor {
  private queue: Promise<void> = Promise.resolve()
  private closing = false

  constructor(
    private readonly influx: InfluxClient,
    private readonly log: { readonly end: number; readonly committedOffset: number },
    private readonly assignmentsOf: (device: string) => Promise<readonly Assignment[]>,
    private readonly lookbackMs: number,
    private readonly events: { moved(device: string, points: number): void; failed(err: Error): void },
  ) {}

  /** Devices whose assignments changed. */
  changed(devices: readonly string[]): void {
    const target = this.log.end
    this.queue = this.queue
      .then(async () => {
        while (this.log.committedOffset < target && !this.closing) await new Promise((r) => setTimeout(r, 100))
        for (const id of devices) {
          const moved = await reattribute(this.influx, id, await this.assignmentsOf(id), Date.now(), this.lookbackMs)
          if (moved > 0) this.events.moved(id, moved)
        }
      })
      .catch((err: Error) => this.events.failed(err))
  }

  /** Stops waiting for the log and resolves when the run under way has ended. */
  async close(): Promise<void> {
    this.closing = true
    await this.queue
  }
}
