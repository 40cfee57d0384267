import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { InfluxWriteError, rowsOf } from '@pulseline/influx'
import { DurableLog } from '../src/log/durable-log.js'
import { LogShipper, countLines, splitPoint, type LineWriter, type ShipperEvents } from '../src/shipper/log-shipper.js'
import { backoffDelay } from '@pulseline/protocol'
import { freshDatabase } from '../../test/setup/influx.js'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function openLog(): Promise<DurableLog> {
  const dir = await mkdtemp(join(tmpdir(), 'pl-ship-'))
  dirs.push(dir)
  return DurableLog.open({ dir, segmentBytes: 1 << 20, maxBytes: 1 << 26, maxPendingBytes: 1 << 24, maxRecordBytes: 1 << 20, whenFull: 'refuse' })
}

function recorder() {
  const seen = { written: 0, failed: [] as string[], dropped: [] as Array<{ body: string; points: number }> }
  const events: ShipperEvents = {
    written: (points) => (seen.written += points),
    failed: (err) => seen.failed.push(`${err.kind}:${err.code}`),
    dropped: (body, _err, points) => seen.dropped.push({ body: body.toString(), points }),
  }
  return { seen, events }
}

const options = { batchBytes: 4096, maxInFlight: 2, backoffInitialMs: 5, backoffMaxMs: 50, lingerMs: 0 }

describe('LogShipper', () => {
  it('writes the log to a real InfluxDB and commits the offset', async () => {
    const influx = await freshDatabase('ship')
    const log = await openLog()
    for (let i = 0; i < 300; i++) await log.append(Buffer.from(`m,device=d v=${i}i ${1700000000000 + i}\n`))
    const { seen, events } = recorder()
    const shipper = new LogShipper(log, influx, options, events)
    shipper.start()
    await expect.poll(() => log.backlogBytes, { timeout: 10_000 }).toBe(0)
    await shipper.stop()
    expect(seen.written).toBe(300)
    expect(rowsOf(await influx.query('SELECT count(v) FROM m'))[0]!.count).toBe(300)
    await log.close()
    await influx.close()
  })

  it("dead-letters the points a real InfluxDB refuses (field type conflict) and keeps the batch's good points", async () => {
    const influx = await freshDatabase('ship')
    await influx.write('m,device=d v=1i 1700000000000\n')
    const log = await openLog()
    await log.append(Buffer.from('m,device=d v="text" 1700000000001\nm,device=d v=2i 1700000000002\n'))
    const { seen, events } = recorder()
    const shipper = new LogShipper(log, influx, options, events)
    shipper.start()
    await expect.poll(() => log.backlogBytes, { timeout: 10_000 }).toBe(0)
    await shipper.stop()
    expect(seen.failed).toEqual(['drop:PL_INFLUX_BAD_REQUEST'])
    expect(seen.dropped).toEqual([{ body: expect.stringContaining('v="text"'), points: 1 }])
    expect(rowsOf(await influx.query('SELECT count(v) FROM m'))[0]!.count).toBe(2)
    await log.close()
    await influx.close()
  })

  it('splits a body the server calls too large, at line boundaries, until it fits', async () => {
    const bodies: string[] = []
    const writer: LineWriter = {
      async write(body) {
        if (body.length > 100) throw new InfluxWriteError('PL_INFLUX_TOO_LARGE', 'split', String(body.length), { status: 413 })
        bodies.push(body.toString())
      },
      ensureDatabase: async () => {},
    }
    const log = await openLog()
    const lines = Array.from({ length: 12 }, (_, i) => `m v=${i}i ${i}\n`)
    await log.append(Buffer.from(lines.join('')))
    const { seen, events } = recorder()
    const shipper = new LogShipper(log, writer, options, events)
    shipper.start()
    await expect.poll(() => log.backlogBytes).toBe(0)
    await shipper.stop()
    expect(bodies.join('')).toBe(lines.join(''))
    expect(bodies.every((b) => b.length <= 100 && b.endsWith('\n'))).toBe(true)
    expect(seen.written).toBe(12)
    await log.close()
  })

  it('retries after the delay the server asks for, and never drops a retryable batch', async () => {
    let calls = 0
    const times: number[] = []
    const writer: LineWriter = {
      async write() {
        times.push(Date.now())
        if (++calls <= 2) throw new InfluxWriteError('PL_INFLUX_THROTTLED', 'retry', '200', { status: 429, retryAfterMs: 200 })
      },
      ensureDatabase: async () => {},
    }
    const log = await openLog()
    await log.append(Buffer.from('m v=1i 1\n'))
    const { seen, events } = recorder()
    const shipper = new LogShipper(log, writer, options, events)
    shipper.start()
    await expect.poll(() => log.backlogBytes, { timeout: 5_000 }).toBe(0)
    await shipper.stop()
    expect(calls).toBe(3)
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(190)
    expect(seen.failed).toEqual(['retry:PL_INFLUX_THROTTLED', 'retry:PL_INFLUX_THROTTLED'])
    expect(seen.dropped).toEqual([])
    await log.close()
  })

  it('sends the next batch without waiting for the previous commit (its checkpoint file), and commits in order', async () => {
    const log = await openLog()
    for (let i = 0; i < 40; i++) await log.append(Buffer.from(`m v=${i}i ${i}\n`.padEnd(400, ' ')))
    // A checkpoint that takes 300 ms, as a few fs turns of a loop busy with thousands of PUBLISHes did.
    const commits: number[] = []
    const commit = log.commit.bind(log)
    log.commit = async (offset: number) => {
      await new Promise((r) => setTimeout(r, 300))
      commits.push(offset)
      return commit(offset)
    }
    let writes = 0
    const writer: LineWriter = { write: async () => void writes++, ensureDatabase: async () => {} }
    const shipper = new LogShipper(log, writer, { ...options, batchBytes: 1000 }, recorder().events)
    shipper.start()
    await new Promise((r) => setTimeout(r, 250))
    // 40 records of about 400 bytes, two per 1,000-byte batch: all 20 batches sent before the first commit ended.
    expect(writes).toBe(20)
    await expect.poll(() => log.committedOffset, { timeout: 5_000 }).toBe(log.end)
    await shipper.stop()
    expect(commits).toEqual([...commits].sort((a, b) => a - b))
    await log.close()
  })

  it('leaves an unwritten batch in the log when stopped, for the next start', async () => {
    const writer: LineWriter = {
      write: async () => {
        throw new InfluxWriteError('PL_INFLUX_UNAVAILABLE', 'retry', 'down')
      },
      ensureDatabase: async () => {},
    }
    const log = await openLog()
    await log.append(Buffer.from('m v=1i 1\n'))
    const shipper = new LogShipper(log, writer, options, recorder().events)
    shipper.start()
    await new Promise((r) => setTimeout(r, 100))
    await shipper.stop()
    expect(log.committedOffset).toBe(0)
    expect(log.backlogBytes).toBeGreaterThan(0)
    await log.close()
  })
})

describe('shipper helpers', () => {
  it('counts lines and splits at the newline nearest the middle', () => {
    const body = Buffer.from('aa\nbbbb\ncc\n')
    expect(countLines(body)).toBe(3)
    expect(body.subarray(0, splitPoint(body)).toString()).toBe('aa\nbbbb\n')
    expect(splitPoint(Buffer.from('single line\n'))).toBe(-1)
  })

  it('backs off exponentially with equal jitter, capped', () => {
    expect(backoffDelay(0, 100, 30_000, () => 0)).toBe(50)
    expect(backoffDelay(0, 100, 30_000, () => 1)).toBe(100)
    expect(backoffDelay(3, 100, 30_000, () => 0.5)).toBe(600)
    expect(backoffDelay(20, 100, 30_000, () => 1)).toBe(30_000)
  })
})
